import { close, ftruncate, open, write } from 'node:fs';

/** Starting size of each of the two staging buffers; they grow to the largest batch seen. */
const INITIAL_STAGING_BYTES = 64 * 1024;
/** A disk this far behind (a minute of a 4 Mbit/s track) fails the file rather than the worker's memory. */
const MAX_STAGED_BYTES = 32 * 1024 * 1024;

/**
 * A file written at the end as data comes, without blocking the thread that produces it (the
 * media worker's packet loop must never wait on a disk): bytes are staged in memory and handed to
 * the kernel by flush(), one write in flight at a time, from two buffers that swap (nothing is
 * allocated per flush). What reached the kernel survives a kill -9 of the process (it sits in the
 * page cache), so the owner's flush interval bounds what a crash loses.
 *
 * The first write error (a full disk, a vanished directory) is kept in `error` and reported once
 * through `onError`; later appends are dropped. A flush that fails part-way is cut back off the
 * file, so it ends where the last whole flush did: each flush holds whole appends, and a writer
 * that appends whole blocks leaves a file that ends on a block (a full disk takes part of a write
 * before it refuses the rest). patch() rewrites bytes already written (sizes and
 * durations a clean stop fills in) once everything before has been flushed.
 */
export class AppendFile {
  /** Bytes appended so far, written or staged: the offset the next append() lands at. */
  length = 0;
  error: NodeJS.ErrnoException | null = null;
  /** Bytes handed to the kernel. */
  written = 0;
  private staging = Buffer.alloc(INITIAL_STAGING_BYTES);
  private spare = Buffer.alloc(INITIAL_STAGING_BYTES);
  private staged = 0;
  private writing = false;
  private closed = false;
  private readonly idle: Array<() => void> = [];

  /** -1 until the file is open: appends are staged meanwhile. */
  private fd = -1;
  /** Settles once the file is open; rejects if it cannot be (then nothing is ever written). */
  readonly opened: Promise<void>;

  private constructor(
    readonly path: string,
    private readonly onError: (err: NodeJS.ErrnoException) => void,
  ) {
    this.opened = new Promise((resolve, reject) => {
      open(path, 'w', 0o640, (err, fd) => {
        if (err) {
          this.error = err;
          this.staged = 0;
          reject(err);
          return;
        }
        this.fd = fd;
        resolve();
      });
    });
    this.opened.catch(() => undefined); // the owner awaits it; an unobserved rejection is no crash
  }

  /** Creates (or truncates) the file and returns at once, taking appends while it opens (`opened`). */
  static start(path: string, onError: (err: NodeJS.ErrnoException) => void): AppendFile {
    return new AppendFile(path, onError);
  }

  /** Creates (or truncates) the file; rejects if it cannot be opened. */
  static async create(path: string, onError: (err: NodeJS.ErrnoException) => void): Promise<AppendFile> {
    const file = AppendFile.start(path, onError);
    await file.opened;
    return file;
  }

  /** Stages `data` (copied: the caller may reuse its buffer). */
  append(data: Uint8Array): void {
    if (this.error !== null || this.closed || !this.ensureStaging(data.length)) return;
    this.staging.set(data, this.staged);
    this.staged += data.length;
    this.length += data.length;
  }

  /** Room for `n` more bytes at the end of the staging buffer, for writers that fill it in place. */
  stage(n: number): { buf: Buffer; at: number } {
    // A failed file takes nothing more: the writer fills a scratch buffer that commit() ignores.
    if (this.error !== null || !this.ensureStaging(n)) return { buf: Buffer.alloc(n), at: 0 };
    return { buf: this.staging, at: this.staged };
  }

  /** Commits `n` bytes written into the buffer stage() returned. */
  commit(n: number): void {
    if (this.error !== null || this.closed) return;
    this.staged += n;
    this.length += n;
  }

  /** Bytes staged but not yet handed to the kernel. */
  get pending(): number {
    return this.staged;
  }

  /** Hands what is staged to the kernel (unless a write is still in flight: it follows that one). */
  flush(): void {
    if (this.fd < 0 || this.writing || this.staged === 0 || this.error !== null) return;
    const buf = this.staging;
    const n = this.staged;
    this.staging = this.spare;
    this.spare = buf;
    this.staged = 0;
    this.writing = true;
    this.writeAll(buf, 0, n, this.written);
  }

  /** Resolves when everything staged so far has been written (or writing failed). */
  drain(): Promise<void> {
    if (this.fd < 0 && this.error === null) return this.opened.then(() => this.drain(), () => undefined);
    this.flush();
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Overwrites `data.length` bytes at `position`, which must already be written (drain() first). */
  patch(position: number, data: Uint8Array): Promise<void> {
    if (this.error !== null) return Promise.resolve();
    if (position + data.length > this.written) return Promise.reject(new Error(`patch beyond what is written (${position}+${data.length} > ${this.written})`));
    return new Promise((resolve) => {
      write(this.fd, data, 0, data.length, position, (err) => {
        if (err) this.fail(err);
        resolve();
      });
    });
  }

  /** Writes what is staged and closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.drain();
    this.closed = true;
    if (this.fd < 0) return; // never opened
    await new Promise<void>((resolve) => close(this.fd, () => resolve()));
  }

  private writeAll(buf: Buffer, from: number, to: number, position: number): void {
    write(this.fd, buf, from, to - from, position, (err, n) => {
      if (err) {
        this.fail(err);
        const flushStart = position - from;
        this.written = flushStart;
        ftruncate(this.fd, flushStart, () => this.writeDone());
        return;
      }
      this.written += n;
      if (from + n < to) {
        this.writeAll(buf, from + n, to, position + n);
        return;
      }
      this.writeDone();
    });
  }

  private writeDone(): void {
    this.writing = false;
    if (this.staged > 0 && this.error === null && this.idle.length > 0) {
      this.flush();
      return;
    }
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (this.error !== null) return;
    this.error = err;
    this.staged = 0;
    this.onError(err);
  }

  /** False if `n` more bytes would put the file too far behind (it has failed then). */
  private ensureStaging(n: number): boolean {
    if (this.staged + n <= this.staging.length) return true;
    if (this.staged + n > MAX_STAGED_BYTES) {
      const err: NodeJS.ErrnoException = new Error(`writes to ${this.path} fall behind by more than ${MAX_STAGED_BYTES} bytes`);
      err.code = 'EAGAIN';
      this.fail(err);
      return false;
    }
    const next = Buffer.alloc(Math.min(MAX_STAGED_BYTES, Math.max(this.staging.length * 2, this.staged + n)));
    this.staging.copy(next, 0, 0, this.staged);
    this.staging = next;
    return true;
  }
}
