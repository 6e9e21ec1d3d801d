import { MediaError } from '../errors';
import type { MediaLogger } from '../logger';
import type { AudioLevelSample, Consumer, MediaEngine, Producer, Router, StreamState, SubscribedLayer, TrackRecording, TrackRecordingResult, Transport } from '../types';
import { errorToWire } from './errorWire';
import { StatsBatch } from './StatsBatch';
import { WorkerCommand, type MediaErrorWire, type ReplyResultWire, type WorkerEvent } from './protocol';

type Target = Extract<WorkerEvent, { ev: 'failed' }>['target'];

/**
 * The worker's side of the proxy: runs the main thread's commands on the real engine, by handle,
 * and sends back what the engine tells its owner (signals, states, replies). Handles of objects
 * the engine has closed (a closed transport takes its producers and consumers with it) are
 * dropped after each close; a command for a dropped handle finds nothing, as a call on a closed
 * object would.
 */
export class WorkerHost {
  private readonly routers = new Map<number, Router>();
  private readonly transports = new Map<number, Transport>();
  private readonly producers = new Map<number, Producer>();
  private readonly consumers = new Map<number, Consumer>();
  /** Track recordings until stopped by the main thread (a closed producer's is finalized already; its result waits here). */
  private readonly recordings = new Map<number, TrackRecording>();
  /** Record requests waiting for their producer's offer, by recording handle. */
  private readonly recordsAwaitingOffer = new Map<number, AbortController>();
  /** Transports the engine refused to create: calls already on their way get the same error. */
  private readonly refused = new Map<number, MediaErrorWire>();
  private sweepQueued = false;
  private readonly stats: StatsBatch;

  constructor(
    private readonly engine: MediaEngine,
    private readonly send: (event: WorkerEvent) => void,
    private readonly logger: MediaLogger,
  ) {
    this.stats = new StatsBatch(send);
  }

  /** One message from the main thread: the commands of one of its turns, in order (MediaWorker.outbox). */
  receiveBatch(raw: unknown): void {
    if (!Array.isArray(raw)) {
      this.logger.error({}, 'invalid command batch from the main thread');
      return;
    }
    for (const command of raw) this.receive(command);
  }

  /** One command from the main thread, validated here: the thread boundary is an edge. */
  receive(raw: unknown): void {
    const parsed = WorkerCommand.safeParse(raw);
    if (!parsed.success) {
      this.logger.error({ issues: parsed.error.issues.slice(0, 3) }, 'invalid command from the main thread');
      const request = (raw as { request?: unknown } | null)?.request;
      if (typeof request === 'number') this.reply(request, MediaError.invalidArgument('invalid media worker command'));
      return;
    }
    this.run(parsed.data);
  }

  private run(command: WorkerCommand): void {
    switch (command.op) {
      case 'createRouter':
        return this.call('router', command.router, () => {
          const router = command.router;
          const onAudioLevels = (samples: readonly AudioLevelSample[]): void => this.send({ ev: 'audioLevels', router, samples: [...samples] });
          this.routers.set(router, this.engine.createRouter(command.id, { onAudioLevels }));
        });
      case 'activeSpeaker':
        return this.call('router', command.router, () => this.routers.get(command.router)?.setActiveSpeaker(command.label));
      case 'closeRouter':
        this.routers.get(command.router)?.close();
        this.routers.delete(command.router);
        return this.sweep();
      case 'createTransport':
        return this.createTransport(command);
      case 'closeTransport':
        this.refused.delete(command.transport);
        this.transports.get(command.transport)?.close();
        return this.sweep();
      case 'applyOffer':
        return this.request(command.request, command.transport, (t) => t.applyOffer(command.sdp));
      case 'applyAnswer':
        return this.request(command.request, command.transport, (t) => t.applyAnswer(command.sdp));
      case 'addRemoteCandidate':
        void this.transports.get(command.transport)?.addRemoteCandidate(command.candidate ?? null).catch((err: unknown) => {
          this.logger.warn({ err }, 'remote candidate not added');
        });
        return;
      case 'restartIce':
        return this.transports.get(command.transport)?.restartIce();
      case 'produce':
        return this.call('producer', command.producer, () => {
          const transport = this.transport(command.transport);
          const { id, kind, mid, paused, source } = command;
          const handle = command.producer;
          const onSubscribedLayers = (layers: SubscribedLayer[]): void => this.send({ ev: 'subscribedLayers', producer: handle, layers });
          this.producers.set(handle, transport.produce({ id, kind, mid, paused, ...(source ? { source } : {}), onSubscribedLayers }));
        });
      case 'producer': {
        const producer = this.producers.get(command.producer);
        if (producer) this.call('producer', command.producer, () => producer[command.call]());
        if (command.call === 'close') this.sweep();
        return;
      }
      case 'consume':
        return this.call('consumer', command.consumer, () => {
          const transport = this.transport(command.transport);
          const producer = this.producers.get(command.producer);
          if (!producer) throw MediaError.conflict('producer is closed');
          const handle = command.consumer;
          const onStreamState = (state: StreamState): void => this.send({ ev: 'streamState', consumer: handle, state: state.state });
          this.consumers.set(handle, transport.consume(producer, { paused: command.paused, onStreamState }));
        });
      case 'consumer': {
        const consumer = this.consumers.get(command.consumer);
        if (consumer) this.call('consumer', command.consumer, () => consumer[command.call]());
        if (command.call === 'close') this.sweep();
        return;
      }
      case 'trackSettings': {
        const consumer = this.consumers.get(command.consumer);
        const { visible, width, height } = command;
        if (consumer) this.call('consumer', command.consumer, () => consumer.setTrackSettings({ visible, width, height }));
        return;
      }
      case 'record':
        return this.record(command);
      case 'cancelRecord':
        this.recordsAwaitingOffer.get(command.recording)?.abort();
        return;
      case 'stopRecording': {
        const recording = this.recordings.get(command.recording);
        if (!recording) return this.reply(command.request, MediaError.conflict('recording is not running'));
        recording.stop().then(
          (result) => {
            this.recordings.delete(command.recording);
            this.reply(command.request, undefined, recordingStopped(result));
          },
          (error: unknown) => this.reply(command.request, error),
        );
        return;
      }
      case 'shutdown':
        return this.shutdown(command.request);
      case 'ping':
        return this.reply(command.request);
    }
  }

  private createTransport(command: Extract<WorkerCommand, { op: 'createTransport' }>): void {
    const handle = command.transport;
    try {
      const router = this.routers.get(command.router);
      if (!router) throw MediaError.conflict('router is closed');
      const transport = router.createTransport({
        label: command.label,
        role: command.role,
        onSignal: (signal) => this.send({ ev: 'signal', transport: handle, signal }),
        onStats: (stats) => this.stats.add(handle, stats),
        onStateChange: (state) => {
          this.send({ ev: 'state', transport: handle, state });
          if (state === 'closed') this.sweep();
        },
      });
      this.transports.set(handle, transport);
    } catch (error) {
      const wire = errorToWire(error);
      if (wire.code !== 'internal') this.refused.set(handle, wire);
      this.send({ ev: 'failed', target: 'transport', handle, error: wire });
    }
  }

  private record(command: Extract<WorkerCommand, { op: 'record' }>): void {
    const { recording: handle, request } = command;
    const producer = this.producers.get(command.producer);
    if (!producer) return this.reply(request, MediaError.conflict('producer is closed'));
    const onError = (message: string): void => this.send({ ev: 'recordingError', recording: handle, message });
    const onFirstFrame = (startMs: number): void => this.send({ ev: 'recordingFirstFrame', recording: handle, startMs });
    const cancel = new AbortController();
    this.recordsAwaitingOffer.set(handle, cancel);
    producer
      .record({ pathWithoutExtension: command.path, onError, onFirstFrame, signal: cancel.signal })
      .then(
        (recording) => {
          this.recordings.set(handle, recording);
          this.reply(request, undefined, { kind: 'recordingStarted', file: recording.file });
        },
        (error: unknown) => this.reply(request, error),
      )
      .finally(() => this.recordsAwaitingOffer.delete(handle));
  }

  /** Runs a call that has no reply; if it throws, the main thread hears which object failed. */
  private call(target: Target, handle: number, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.send({ ev: 'failed', target, handle, error: errorToWire(error) });
    }
  }

  /** Closes the engine (every socket released); the reply goes out once it has. */
  private shutdown(request: number): void {
    this.engine.close().then(
      () => this.reply(request),
      (error: unknown) => this.reply(request, error),
    );
  }

  private request(request: number, handle: number, fn: (transport: Transport) => Promise<void>): void {
    let done: Promise<void>;
    try {
      done = fn(this.transport(handle));
    } catch (error) {
      return this.reply(request, error);
    }
    done.then(
      () => this.reply(request),
      (error: unknown) => this.reply(request, error),
    );
  }

  private transport(handle: number): Transport {
    const transport = this.transports.get(handle);
    if (transport) return transport;
    const refused = this.refused.get(handle);
    throw refused ? new MediaError(refused.code, refused.message) : MediaError.conflict('transport is closed');
  }

  private reply(request: number, error?: unknown, result?: ReplyResultWire): void {
    if (error !== undefined) this.send({ ev: 'reply', request, error: errorToWire(error) });
    else this.send(result === undefined ? { ev: 'reply', request } : { ev: 'reply', request, result });
  }

  /** Forgets closed objects, once per tick however many closed in it. */
  private sweep(): void {
    if (this.sweepQueued) return;
    this.sweepQueued = true;
    queueMicrotask(() => {
      this.sweepQueued = false;
      for (const [handle, transport] of this.transports) if (transport.state === 'closed') this.transports.delete(handle);
      for (const [handle, producer] of this.producers) if (producer.closed) this.producers.delete(handle);
      for (const [handle, consumer] of this.consumers) if (consumer.closed) this.consumers.delete(handle);
    });
  }
}

/** NaN (nothing written) does not survive validation as a number: null on the wire. */
function recordingStopped(r: TrackRecordingResult): ReplyResultWire {
  return { ...r, kind: 'recordingStopped', startMs: Number.isNaN(r.startMs) ? null : r.startMs, endMs: Number.isNaN(r.endMs) ? null : r.endMs };
}
