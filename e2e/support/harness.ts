/** Shared set-up for a test file: one server, one browser, participants by name, diagnostics on failure. */
import type { Browser } from 'playwright-core';
import { launchBrowser, openParticipant, type OpenOptions, type Participant } from './browser';
import { ServerProcess, type ServerProcessOptions } from '@confab/loadtest';

export interface Harness {
  server: ServerProcess;
  browser: Browser;
  people: Map<string, Participant>;
  join(room: string, name: string, options?: OpenOptions): Promise<Participant>;
  person(name: string): Participant;
  /** Wraps a test body: on failure, the error gets the server's output and the pages' console errors. */
  run(fn: () => Promise<void>): () => Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a server (or a whole cluster) and browsers at the same time. If any of them fails, what did start is stopped
 * before the error is thrown: a live browser keeps the test process from ever exiting.
 */
export async function startTogether<S extends { stop(): Promise<void> } = ServerProcess>(server: Promise<S>, browsers: Promise<Browser>[]): Promise<{ server: S; browsers: Browser[] }> {
  const [started, ...launched] = await Promise.allSettled([server, ...browsers]);
  const failed = [started, ...launched].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    for (const b of launched) if (b.status === 'fulfilled') await (b.value as Browser).close().catch(() => {});
    if (started!.status === 'fulfilled') await (started!.value as S).stop();
    throw failed.reason;
  }
  return {
    server: (started as PromiseFulfilledResult<S>).value,
    browsers: launched.map((b) => (b as PromiseFulfilledResult<Browser>).value),
  };
}

export async function createHarness(serverOptions: ServerProcessOptions = {}): Promise<Harness> {
  const { server, browsers } = await startTogether(ServerProcess.start(serverOptions), [launchBrowser()]);
  const browser = browsers[0]!;
  const people = new Map<string, Participant>();
  const h: Harness = {
    server,
    browser,
    people,
    async join(room, name, options) {
      const p = await openParticipant(browser, server.httpBase, room, name, options);
      people.set(name, p);
      return p;
    },
    person(name) {
      const p = people.get(name);
      if (p === undefined) throw new Error(`${name} is not in this test (an earlier step failed?)`);
      return p;
    },
    run(fn) {
      return async () => {
        try {
          await fn();
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          const pages = [...people.values()].map((p) => p.diagnostics()).filter(Boolean).join('\n');
          e.message +=
            `\n--- server output (last 4 KB) ---\n${server.output.join('\n').slice(-4096)}` +
            (pages ? `\n--- page console (last 4 KB) ---\n${pages.slice(-4096)}` : '');
          throw e;
        }
      };
    },
    async close() {
      if (process.env['CONFAB_E2E_VERBOSE']) {
        // For humans chasing a problem: everything the pages and the server complained about.
        for (const p of people.values()) if (p.diagnostics()) console.log(p.diagnostics());
        if (server.output.length > 0) console.log(`--- server output ---\n${server.output.join('\n')}`);
      }
      for (const p of people.values()) await p.close();
      await browser.close().catch(() => {});
      await server.stop();
    },
  };
  return h;
}
