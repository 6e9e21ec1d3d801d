import type { MediaLogger } from './logger';
import { rembPacket } from './rtcp';
import type { RtcpTarget } from './WeriftProducer';

const INTERVAL_MS = 1000;

/**
 * Periodic REMB to a publisher. Without TWCC (deliberately not negotiated, WERIFT-NOTES 1) Chrome
 * has no delay-based estimate from us and would sit at its start bitrate; a REMB lets it ramp up
 * (its loss-based controller still backs off on loss) to a cap of `bitratePerTrack` per video track.
 */
export class RembFeedback {
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly bitratePerTrack: number,
    /** The live video producers' RTCP targets (all on the same bundled DTLS transport). */
    private readonly targets: () => RtcpTarget[],
    private readonly logger: MediaLogger,
  ) {}

  start(): void {
    if (this.timer || this.bitratePerTrack <= 0) return;
    this.timer = setInterval(this.tick, INTERVAL_MS).unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  readonly tick = (): void => {
    try {
      const targets = this.targets();
      const first = targets[0];
      if (!first) return;
      const ssrcs = targets.map((target) => target.mediaSsrc);
      const packet = rembPacket(first.senderSsrc, this.bitratePerTrack * ssrcs.length, ssrcs);
      first.dtls.sendRtcp([packet]).catch((err: unknown) => this.logger.debug({ err }, 'REMB not sent'));
    } catch (err) {
      this.logger.warn({ err }, 'REMB failed');
    }
  };
}
