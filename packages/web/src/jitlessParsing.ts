/**
 * Zod compiles a fast path for each object schema with `new Function` the first time it parses;
 * the web app parses each message type a handful of times while joining, so the compiling cost
 * more main-thread time than it could win back. Imported first so that no schema is used before.
 */
import { config } from 'zod';

config({ jitless: true });
