import type { ParticipantId, RoomName } from '@confab/protocol';
import type { SessionLink } from '../rooms/ParticipantSession';
import type { JoinRequest, ResumeRequest, RoomCommand } from '../rooms/requests';
import type { ClusterMetrics } from '../service/metrics';
import type { LocalDirectory } from './LocalDirectory';
import type { RoomAdministration } from './RoomAdministration';

/**
 * Carries a participant's signaling to whichever node owns its room, and the room's messages back
 * through the `SessionLink` the edge gives it. One node: LocalRouter, rooms in memory. Many nodes:
 * a Redis-backed router behind the same interface. main.ts chooses once at start-up; the edge only
 * ever talks to a RoutedSession, and rooms and media never know which router is in use.
 */
export interface RoomRouter {
  /**
   * Admits a connection: `join` finds or creates the room wherever it must live, `resume` finds the
   * session's room. Resolves once the room has admitted the participant (its `joined` or `resumed`
   * has gone through `link`). Rejects with a ProtocolError: room or node limits, draining, no such
   * session.
   */
  connect(request: JoinRequest | ResumeRequest, link: SessionLink, signal?: AbortSignal): Promise<RoutedSession>;
  /** The node listens at `address`: a cluster router registers it, so rooms may be placed here. */
  start(address: ListeningAddress): Promise<void>;
  /**
   * From now on joins are refused here with `unavailable` (the node is shutting down). A cluster
   * router also moves this node's rooms to other nodes and hands its sockets over. Resolves when
   * done: true if everything went to other nodes, so the node may stop once no connection is left
   * (one node hands nothing over: its clients stay until the grace period ends).
   */
  drain(): Promise<boolean>;
  /** After the last connection closed: a cluster router leaves the cluster and closes its connections. */
  close(): Promise<void>;
  /** The rooms this node hosts, for metrics and tests. */
  readonly localRooms: LocalDirectory;
  /**
   * False while this node cannot take part (a cluster node cut off from Redis, whose peers count it
   * dead): /healthz says so, so the balancer sends clients elsewhere.
   */
  readonly serving: boolean;
  /** The admin API's view of the rooms, wherever they live. */
  readonly administration: RoomAdministration;
  /** A cluster router's placement and relay metrics, served at /metrics; none on a single node. */
  readonly clusterMetrics?: ClusterMetrics;
}

export interface ListeningAddress {
  scheme: 'http' | 'https';
  port: number;
}

/** One admitted participant, as seen from the connection that holds its socket. */
export interface RoutedSession {
  readonly room: RoomName;
  readonly participantId: ParticipantId;
  /**
   * Hands a command to the room. Resolves true once the room has handled it; false when it failed,
   * in which case the error has already gone back to the client through the session (sequenced, so
   * it survives a drop like any other reply).
   */
  send(command: RoomCommand): Promise<boolean>;
  /** The client has every sequenced message up to `seq`. */
  acknowledge(seq: number): void;
  /** The connection closed with a goodbye (or for cause): the participant leaves. */
  close(): Promise<void>;
  /** The connection was lost without a goodbye: the session waits for a resume. */
  detach(): Promise<void>;
}
