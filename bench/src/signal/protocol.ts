/** What the bench (parent) and its load-generator processes say to each other over the IPC channel. */

/** Parent → generator. */
export type GeneratorCommand =
  /** Open a socket for every member of `rooms` (each `roomSize` members) and join; `concurrency` joins in flight. */
  | { op: 'join'; url: string; rooms: string[]; roomSize: number; concurrency: number; timeoutMs: number }
  /** `changes` status changes, one at a time, rotating over the rooms: each timed until every other member has it. */
  | { op: 'fanout'; changes: number; timeoutMs: number }
  /** How the sessions are: still connected, lost (the server closed them), frames in and out. */
  | { op: 'census' }
  /** From now on every session's pings all ask for a pong (`everyPing`, as older SDKs), or as the SDK's do. */
  | { op: 'heartbeat'; everyPing: boolean }
  /** Close every socket and exit. */
  | { op: 'close' };

export interface JoinReport {
  op: 'joined';
  joined: number;
  failed: number;
  /** First join sent → last reply, ms. */
  elapsedMs: number;
  /** Per join: socket open → `joined`, ms. */
  joinMs: number[];
  /** The first few failures, for the log. */
  errors: string[];
}

export interface FanoutReport {
  op: 'fanned_out';
  /** Per change: `status` sent → the last other member's `participant_updated`, ms. */
  lastReceiverMs: number[];
  /** Per receiver and change: `status` sent → its `participant_updated`, ms. */
  deliveryMs: number[];
  /** Receivers that had nothing within the timeout. */
  missing: number;
}

export interface CensusReport {
  op: 'census';
  connected: number;
  /** Sockets the server closed under us, by close code. */
  lostByCode: Record<string, number>;
  /** Frames this generator's sessions sent and received since joining. */
  framesSent: number;
  framesReceived: number;
}

/** Generator → parent. */
export type GeneratorReport =
  | JoinReport
  | FanoutReport
  | CensusReport
  | { op: 'heartbeat_set' }
  | { op: 'progress'; joined: number }
  | { op: 'error'; message: string };
