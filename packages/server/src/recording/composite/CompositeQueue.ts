import { errorMessage } from '../../media/errors';
import { COMPOSITE_FILE, writeCompositeStatus, type CompositeStatus } from './compositeStatus';
import { childrenCpuSeconds, makeComposite, type CompositeOptions, type CompositeOutcome } from './makeComposite';

/** A composite's progress is written to disk at most this often. */
const PROGRESS_WRITE_MS = 1000;

interface Job {
  status: CompositeStatus;
  lastWrite: number;
  /** Writes of composite.json, one after another (they share a temporary file). */
  saving: Promise<void>;
}

/**
 * The node's composite jobs, one at a time: a composite takes about a core (docs/recording.md
 * "Cost"), and a node records many meetings. Each job's state is kept here for the admin API and
 * written beside its manifest (`composite.json`) as it changes.
 */
export class CompositeQueue {
  private readonly jobs = new Map<string, Job>();
  private tail: Promise<unknown> = Promise.resolve();
  private readonly abort = new AbortController();

  constructor(
    private readonly node: string,
    private readonly options: Omit<CompositeOptions, 'onProgress' | 'signal'>,
    private readonly logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void },
  ) {}

  /** The job of the recording in `dir` while this process knows it (the file on disk says the rest). */
  status(dir: string): CompositeStatus | undefined {
    const job = this.jobs.get(dir);
    return job && { ...job.status };
  }

  /** Queues a composite of the stopped recording in `dir`; resolves when made, rejects with the reason. */
  add(dir: string): Promise<CompositeOutcome> {
    const job: Job = {
      status: { state: 'queued', progress: 0, file: null, durationMs: null, bytes: null, error: null, queuedAt: new Date().toISOString(), startedAt: null, finishedAt: null, node: this.node, cpuSeconds: null },
      lastWrite: 0,
      saving: Promise.resolve(),
    };
    this.jobs.set(dir, job);
    this.save(dir, job);
    const done = this.tail.then(() => this.run(dir, job));
    this.tail = done.catch(() => undefined);
    return done;
  }

  /** The server stops: the running job is killed and fails, queued ones fail without running. */
  close(): void {
    this.abort.abort();
  }

  private async run(dir: string, job: Job): Promise<CompositeOutcome> {
    const { status } = job;
    if (this.abort.signal.aborted) return this.failed(dir, job, 'the server stopped before it ran');
    Object.assign(status, { state: 'running', startedAt: new Date().toISOString() });
    this.save(dir, job);
    const cpuBefore = childrenCpuSeconds();
    const started = performance.now();
    try {
      const outcome = await makeComposite(dir, {
        ...this.options,
        signal: this.abort.signal,
        onProgress: (fraction) => {
          status.progress = fraction;
          if (Date.now() - job.lastWrite >= PROGRESS_WRITE_MS) this.save(dir, job);
        },
      });
      const cpuAfter = childrenCpuSeconds();
      Object.assign(status, {
        state: 'done',
        progress: 1,
        file: COMPOSITE_FILE,
        durationMs: outcome.durationMs,
        bytes: outcome.bytes,
        finishedAt: new Date().toISOString(),
        cpuSeconds: cpuBefore !== null && cpuAfter !== null ? Math.round((cpuAfter - cpuBefore) * 100) / 100 : null,
      });
      this.save(dir, job);
      this.logger.info({ dir, durationMs: outcome.durationMs, seconds: Math.round(performance.now() - started) / 1000, cpuSeconds: status.cpuSeconds }, 'composite made');
      return outcome;
    } catch (err) {
      return this.failed(dir, job, this.abort.signal.aborted ? 'the server stopped while it ran' : errorMessage(err));
    }
  }

  private failed(dir: string, job: Job, error: string): never {
    Object.assign(job.status, { state: 'failed', error: error.slice(0, 2000), finishedAt: new Date().toISOString() });
    this.save(dir, job);
    this.logger.warn({ dir, error }, 'composite failed');
    throw new Error(error);
  }

  private save(dir: string, job: Job): void {
    job.lastWrite = Date.now();
    const snapshot = { ...job.status };
    job.saving = job.saving
      .then(() => writeCompositeStatus(dir, snapshot))
      .catch((err: unknown) => this.logger.warn({ dir, err }, 'cannot write composite.json'));
    // A finished job is read from its file from then on.
    if (snapshot.state === 'done' || snapshot.state === 'failed') void job.saving.then(() => this.jobs.get(dir) === job && this.jobs.delete(dir));
  }
}
