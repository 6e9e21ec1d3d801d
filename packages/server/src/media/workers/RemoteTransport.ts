import { randomUUID } from 'node:crypto';
import { MediaError } from '../errors';
import { mediaSections } from '../sdp';
import type {
  Consumer,
  ConsumeOptions,
  IceCandidateInit,
  Producer,
  ProducerOptions,
  Transport,
  TransportOptions,
  TransportRole,
  TransportSignal,
  TransportState,
} from '../types';
import type { Endpoint, MediaWorker } from './MediaWorker';
import { RemoteConsumer } from './RemoteConsumer';
import { RemoteProducer } from './RemoteProducer';
import type { RemoteRouter } from './RemoteRouter';

/**
 * A transport on a media worker. Its state, producers and consumers are mirrored here from what
 * the interface promises (closing a transport closes its producers and consumers; closing a
 * producer closes its consumers), so the synchronous calls answer at once and the same way the
 * engine would; the worker does the work.
 */
export class RemoteTransport implements Transport, Endpoint {
  readonly id = randomUUID();
  readonly role: TransportRole;
  readonly label: string;
  readonly handle: number;
  private _state: TransportState = 'new';
  /** Closed or failed here: no more traffic to the worker, producers and consumers released. */
  private released = false;
  private failure: MediaError | undefined;
  /** Live producers by mid (publish role). */
  private readonly producers = new Map<string, RemoteProducer>();
  /** Live consumers by producer id (subscribe role). */
  private readonly consumers = new Map<string, RemoteConsumer>();
  /** The kind of each m-line in the publisher's applied offers, to refuse a producer of the wrong kind at once. */
  private readonly midKinds = new Map<string, string>();

  constructor(
    readonly router: RemoteRouter,
    private readonly options: TransportOptions,
  ) {
    this.role = options.role;
    this.label = options.label;
    this.handle = router.worker.handle(this);
    router.worker.transports++;
    router.worker.post({ op: 'createTransport', router: router.handle, transport: this.handle, label: options.label, role: options.role });
  }

  get state(): TransportState {
    return this._state;
  }

  get worker(): MediaWorker {
    return this.router.worker;
  }

  async applyOffer(sdp: string): Promise<void> {
    this.assertUsable();
    await this.worker.request((request) => ({ op: 'applyOffer', transport: this.handle, request, sdp }));
    for (const section of mediaSections(sdp)) if (section.mid !== undefined) this.midKinds.set(section.mid, section.kind);
  }

  async applyAnswer(sdp: string): Promise<void> {
    this.assertUsable();
    await this.worker.request((request) => ({ op: 'applyAnswer', transport: this.handle, request, sdp }));
  }

  restartIce(): void {
    if (!this.released) this.worker.post({ op: 'restartIce', transport: this.handle });
  }

  async addRemoteCandidate(candidate: IceCandidateInit | null): Promise<void> {
    // In order with every other command on this transport; the worker logs a bad one.
    if (!this.released) this.worker.post({ op: 'addRemoteCandidate', transport: this.handle, candidate });
  }

  produce(options: ProducerOptions): Producer {
    if (this.role !== 'publish') throw this.wrongRole('produce');
    this.assertUsable();
    const { id, kind, mid } = options;
    if (typeof id !== 'string' || id === '') throw MediaError.invalidArgument('producer id must be a non-empty string');
    if (kind !== 'audio' && kind !== 'video') throw MediaError.invalidArgument(`invalid producer kind: ${String(kind)}`);
    if (typeof mid !== 'string' || mid === '') throw MediaError.invalidArgument('producer mid must be a non-empty string');
    if (this.producers.has(mid)) throw MediaError.conflict(`mid ${mid} already carries a producer`);
    const known = this.midKinds.get(mid);
    if (known !== undefined && known !== kind) throw MediaError.invalidArgument(`mid ${mid} is a ${known} m-line, not ${kind}`);
    this.router.claimProducerId(id);
    const producer = new RemoteProducer(this, options);
    this.producers.set(mid, producer);
    return producer;
  }

  consume(producer: Producer, options?: ConsumeOptions): Consumer {
    if (this.role !== 'subscribe') throw this.wrongRole('consume');
    this.assertUsable();
    if (!(producer instanceof RemoteProducer) || producer.transport.router !== this.router) {
      throw MediaError.invalidArgument('producer does not belong to this router');
    }
    if (producer.closed) throw MediaError.conflict(`producer ${producer.id} is closed`);
    if (this.consumers.has(producer.id)) throw MediaError.conflict(`producer ${producer.id} is already consumed here`);
    const consumer = new RemoteConsumer(this, producer, options);
    this.consumers.set(producer.id, consumer);
    return consumer;
  }

  close(): void {
    if (this._state === 'closed') return;
    this.release();
    // Also after a refusal: the worker forgets the error it keeps for this handle.
    this.worker.post({ op: 'closeTransport', transport: this.handle });
    this.setState('closed');
  }

  /** Its router failed: calls fail with `error` from now on; close() still ends it. */
  fail(error: MediaError): void {
    if (this.released) return;
    this.failure = error;
    this.release();
    this.setState('failed');
  }

  // ---- from the worker ----

  signal(signal: TransportSignal): void {
    if (this.released) return;
    try {
      this.options.onSignal(signal);
    } catch (err) {
      this.router.logger.error({ err, transport: this.label }, 'onSignal threw');
    }
  }

  stateChanged(state: TransportState): void {
    if (this.released) return;
    if (state === 'closed') this.release(); // the engine closed it (e.g. ICE closed)
    this.setState(state);
  }

  /** The worker could not create it: a refusal (e.g. no free ports) fails it alone, a bug fails the room. */
  failed(error: MediaError): void {
    if (error.code === 'internal') return this.router.fail(error);
    this.router.logger.warn({ transport: this.label, err: error }, 'transport refused by the media worker');
    this.fail(error);
  }

  producerGone(producer: RemoteProducer): void {
    if (this.producers.get(producer.mid) === producer) this.producers.delete(producer.mid);
  }

  consumerGone(consumer: RemoteConsumer): void {
    if (this.consumers.get(consumer.producerId) === consumer) this.consumers.delete(consumer.producerId);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    for (const consumer of [...this.consumers.values()]) consumer.release();
    for (const producer of [...this.producers.values()]) producer.release();
    this.worker.transports--;
    this.worker.forget(this.handle);
    this.router.transportClosed(this);
  }

  private assertUsable(): void {
    if (this.failure) throw this.failure;
    if (this.released) throw MediaError.conflict('transport is closed');
  }

  private setState(state: TransportState): void {
    if (this._state === state || this._state === 'closed') return;
    this._state = state;
    try {
      this.options.onStateChange?.(state);
    } catch (err) {
      this.router.logger.error({ err, transport: this.label }, 'onStateChange threw');
    }
  }

  private wrongRole(what: string): MediaError {
    return MediaError.conflict(`${what} is not available on a ${this.role} transport`);
  }
}
