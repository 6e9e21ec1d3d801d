import { PROTOCOL_VERSION, RoomName, type ParticipantId, type ServerMessage } from '@confab/protocol';
import { SignalChannel, expectReply } from '@confab/loadtest';

export type Listener = (message: ServerMessage, at: number) => void;

/**
 * A participant with signaling only (no peer connections): the loadtest package's SignalChannel,
 * which validates every frame with the protocol package. Cheap enough to have a thousand in one
 * process. Every server message after `joined` goes to `listener` (if set) with its arrival time
 * (performance.now()); the bench sets one only around what it measures.
 */
export class SignalingMember {
  listener: Listener | undefined;
  /** The socket closed without our asking (code), e.g. the server dropped a silent client. */
  lost: number | undefined;
  private closing = false;

  /** The channel pings as the SDK does (`ping {lastSeq}` every heartbeat interval): that keeps the session alive. */
  private constructor(
    private readonly channel: SignalChannel,
    readonly id: ParticipantId,
    /** Members already in the room when this one joined. */
    readonly othersAtJoin: number,
  ) {}

  /**
   * Opens a socket at `url` (ws://…/rtc) and joins `room`. `listener` gets every message after
   * `joined` from the first (frames that arrive together are handled before `join` resolves).
   */
  static async join(url: string, room: string, name: string, listener?: Listener, timeoutMs = 15_000): Promise<SignalingMember> {
    const channel = await SignalChannel.connect(url, timeoutMs, timeoutMs);
    let member: SignalingMember | undefined;
    channel.onMessage = (message) => (member ? member.listener : listener)?.(message, performance.now());
    channel.onClose = (code) => {
      if (member && !member.closing) member.lost ??= code;
    };
    try {
      const joined = expectReply(await channel.request({ type: 'join', v: PROTOCOL_VERSION, room: RoomName.parse(room), name }), 'joined');
      member = new SignalingMember(channel, joined.self.id, joined.participants.length);
      member.listener = listener;
      return member;
    } catch (error) {
      await channel.close();
      throw error;
    }
  }

  chat(text: string): Promise<ServerMessage> {
    return this.channel.request({ type: 'chat', text });
  }

  status(status: 'online' | 'away' | 'busy'): Promise<ServerMessage> {
    return this.channel.request({ type: 'status', status });
  }

  close(): Promise<void> {
    this.listener = undefined;
    this.closing = true;
    return this.channel.close();
  }
}
