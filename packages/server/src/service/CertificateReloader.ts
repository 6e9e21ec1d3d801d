import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from './logger';
import { loadTlsFiles, type TlsMaterial, type TlsPaths } from './tlsFiles';

/** Writes come in bursts (cert, then key; certbot's symlink swaps): wait until they are done. */
const DEBOUNCE_MS = 300;
/**
 * Fallback for changes no directory watch sees (a symlink whose target lives in another folder, a
 * network file system): the files' stat is compared this often. Two stats, nothing else.
 */
const POLL_MS = 10_000;
/** certbot renews 30 days before expiry: a certificate this close to its end means renewal is failing. */
const EXPIRY_WARNING_MS = 14 * 86_400_000;

/**
 * Keeps the TLS certificate fresh without a restart: on a change to either file (the folders are
 * watched, since certbot replaces `live/` symlinks by rename and a watch on the old file would go
 * deaf) and on request (SIGHUP). A new pair is applied only once it checks out; a half-written or
 * mismatched pair keeps the old one and is logged once, and the next change tries again.
 */
export class CertificateReloader {
  private readonly watchers: FSWatcher[] = [];
  private readonly poll: NodeJS.Timeout;
  private debounce: NodeJS.Timeout | undefined;
  /** stat of both files at the last attempt, applied or not: an unchanged pair is not retried. */
  private attempted: string;
  private running: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly paths: TlsPaths,
    current: TlsMaterial,
    private readonly apply: (material: TlsMaterial) => void,
    private readonly logger: Logger,
  ) {
    this.attempted = this.signature();
    this.logger.info({ subject: current.subject, fingerprint256: current.fingerprint256, validTo: current.validTo }, 'tls certificate loaded');
    this.warnIfExpiring(current);
    for (const dir of new Set([dirname(paths.certPath), dirname(paths.keyPath)])) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, file) => this.onDirectoryEvent(file));
        watcher.on('error', (err) => this.logger.warn({ err, dir }, 'tls: watching the certificate folder failed; checking every 10 s instead'));
        this.watchers.push(watcher);
      } catch (err) {
        this.logger.warn({ err, dir }, 'tls: cannot watch the certificate folder; checking every 10 s instead');
      }
    }
    this.poll = setInterval(() => this.schedule(), POLL_MS);
    this.poll.unref();
  }

  /** Reloads now, whether or not the files look changed (SIGHUP). Resolves when done. */
  reload(reason: string): Promise<void> {
    return this.enqueue(reason, true);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    for (const watcher of this.watchers) watcher.close();
  }

  private onDirectoryEvent(file: string | Buffer | null): void {
    const names = [basename(this.paths.certPath), basename(this.paths.keyPath)];
    // No name (some platforms): assume it is ours. Editors and certbot write temp files first; only our names count.
    if (file !== null && !names.includes(String(file))) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.schedule(), DEBOUNCE_MS);
    this.debounce.unref();
  }

  private schedule(): void {
    void this.enqueue('files changed', false);
  }

  /** One attempt at a time, in order: a SIGHUP during a watch-triggered reload waits for it. */
  private enqueue(reason: string, force: boolean): Promise<void> {
    this.running = this.running.then(() => this.attempt(reason, force));
    return this.running;
  }

  private async attempt(reason: string, force: boolean): Promise<void> {
    if (this.closed) return;
    const signature = this.signature();
    if (!force && signature === this.attempted) return;
    this.attempted = signature;
    let material: TlsMaterial;
    try {
      material = loadTlsFiles(this.paths);
    } catch (err) {
      this.logger.error({ reason, error: (err as Error).message }, 'tls certificate reload failed; still serving the previous certificate');
      return;
    }
    try {
      this.apply(material);
    } catch (err) {
      this.logger.error({ reason, err }, 'tls certificate reload failed; still serving the previous certificate');
      return;
    }
    this.logger.info(
      { reason, subject: material.subject, fingerprint256: material.fingerprint256, validTo: material.validTo },
      'tls certificate reloaded',
    );
    this.warnIfExpiring(material);
  }

  private warnIfExpiring({ validTo, subject }: TlsMaterial): void {
    const left = validTo.getTime() - Date.now();
    if (left > EXPIRY_WARNING_MS) return;
    const days = Math.floor(left / 86_400_000);
    this.logger.warn({ subject, validTo }, left <= 0 ? 'tls certificate has expired: browsers will refuse it' : `tls certificate expires in ${days} days: is renewal working?`);
  }

  /** What the files look like now (following symlinks): inode, size and mtime of each. */
  private signature(): string {
    const one = (path: string) => {
      try {
        const s = statSync(path);
        return `${s.ino}:${s.size}:${s.mtimeMs}`;
      } catch {
        return 'missing';
      }
    };
    return `${one(this.paths.certPath)}|${one(this.paths.keyPath)}`;
  }
}
