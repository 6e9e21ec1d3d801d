import { RedisStartupError } from './cluster/index';
import { NodeStartError, startNode } from './node';
import { ConfigError, loadConfig } from './service/config';
import { createLogger } from './service/logger';
import { installProcessGuards } from './service/processGuards';
import { loadTlsFiles } from './service/tlsFiles';

/** `npm start`: one node with everything in it. */
async function main(): Promise<void> {
  let config;
  let tls;
  try {
    config = loadConfig();
    // Checked before anything starts: a bad certificate stops us with one line naming the file.
    tls = config.tls ? loadTlsFiles(config.tls) : undefined;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`confab: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, config.nodeId);
  let server;
  try {
    ({ server } = await startNode(config, logger, tls));
  } catch (err) {
    if (err instanceof RedisStartupError) {
      logger.fatal({}, err.message); // e.g. a Redis password missing or wrong, or our node id taken: no retry fixes that
      console.error(`confab: ${err.message}`);
      process.exit(2);
    }
    if (!(err instanceof NodeStartError)) throw err;
    logger.fatal({ err: err.cause }, err.message);
    process.exit(1);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return process.exit(1); // a second signal: stop now
    stopping = true;
    logger.info({ signal }, 'signal received');
    server.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // SIGHUP (`systemctl reload confab`, certbot's deploy hook in docs/deploy.md) re-reads the certificate.
  // Handled without TLS too: by default it would end the process, and systemd counts that as a clean stop.
  process.on('SIGHUP', () => {
    if (tls) void server.reloadCertificate('SIGHUP');
    else logger.info('SIGHUP: nothing to reload (no CONFAB_TLS_CERT)');
  });
  installProcessGuards(logger, (kind) => server.countProcessError(kind));
}

void main();
