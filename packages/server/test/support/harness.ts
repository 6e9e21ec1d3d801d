import type { Producer, Router, Transport, TransportState } from '../../src/media/types';
import { HeadlessPublisher } from './HeadlessPublisher';
import { HeadlessSubscriber } from './HeadlessSubscriber';
import { waitUntil } from '@confab/loadtest';

export interface PublisherSession {
  peer: HeadlessPublisher;
  transport: Transport;
  states: TransportState[];
  audio: Producer;
  video: Producer;
}

export interface SubscriberSession {
  peer: HeadlessSubscriber;
  transport: Transport;
  states: TransportState[];
}

/**
 * A headless publisher with audio + video producers, connected and sending. `produceFirst`
 * declares the producers before the server has seen the offer carrying their mids.
 */
export async function connectPublisher(router: Router, name: string, { produceFirst = false } = {}): Promise<PublisherSession> {
  const peer = new HeadlessPublisher(name);
  const states: TransportState[] = [];
  const transport = router.createTransport({ label: name, role: 'publish', onSignal: peer.onSignal, onStateChange: (s) => states.push(s) });
  peer.attach(transport);
  const offer = await peer.createOffer();
  const produce = () => [
    transport.produce({ id: `${name}-audio`, kind: 'audio', mid: peer.mids.audio }),
    transport.produce({ id: `${name}-video`, kind: 'video', mid: peer.mids.video }),
  ];
  const early = produceFirst ? produce() : undefined;
  await peer.sendOffer(offer);
  const [audio, video] = (early ?? produce()) as [Producer, Producer];
  await waitUntil(() => transport.state === 'connected' && peer.connectionState === 'connected', 10_000, `${name} publish transport connected`);
  peer.startMedia();
  return { peer, transport, states, audio, video };
}

/** A headless subscriber with an (as yet empty) subscribe transport. */
export function connectSubscriber(router: Router, name: string): SubscriberSession {
  const peer = new HeadlessSubscriber(name);
  const states: TransportState[] = [];
  const transport = router.createTransport({ label: name, role: 'subscribe', onSignal: peer.onSignal, onStateChange: (s) => states.push(s) });
  peer.attach(transport);
  return { peer, transport, states };
}
