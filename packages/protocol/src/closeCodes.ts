/** WebSocket close codes of our own (4000-4999 are for applications), used by both ends. */
export const SessionCloseCode = {
  /** Server → client: the session was resumed on a newer connection; this one is obsolete. */
  SessionMoved: 4000,
  /** Client → server: the client dropped a silent connection to reconnect; keep its session for resume. */
  Reconnecting: 4001,
  /**
   * Server → client: the room moved to another server (its node is draining). The session waits
   * there: resume at once, then rebuild media (`resumed.mediaReset`).
   */
  RoomMoved: 4002,
  /**
   * Server → client: the participant may not stay (removed by a moderator, replaced by a newer
   * join of the same identity, the meeting ended, the room deleted): do not reconnect. A `removed`
   * message before the close says why.
   */
  Removed: 4003,
} as const;
