/** What a subscriber's answer accepts of our offer, per m-section. */
import { RtpExtensionUri } from '@confab/wire';
import { sectionInUse, type ParsedSdp } from './parseSdp';
import { readCodecs, readExtensions } from './rtpParameters';

export interface AnsweredReceiver {
  mid: string;
  /** The subscriber will receive on it: a port, and recvonly (or sendrecv). */
  receiving: boolean;
  /** Our payload types it kept. */
  payloadTypes: ReadonlySet<number>;
  /** Its id for ssrc-audio-level, 0 if it declined the extension. */
  audioLevelId: number;
  /** Its id for transport-wide-cc, 0 if it declined the extension. */
  transportCcId: number;
}

/** The answer's m-sections by mid. */
export function readSubscribeAnswer(answer: ParsedSdp): Map<string, AnsweredReceiver> {
  const receivers = new Map<string, AnsweredReceiver>();
  for (const section of answer.media) {
    if (section.mid === undefined) continue;
    const extensions = readExtensions(section);
    receivers.set(section.mid, {
      mid: section.mid,
      receiving: sectionInUse(answer, section) && (section.direction === 'recvonly' || section.direction === 'sendrecv'),
      payloadTypes: new Set(readCodecs(section).map((c) => c.payloadType)),
      audioLevelId: extensions.find((e) => e.uri === RtpExtensionUri.audioLevel)?.id ?? 0,
      transportCcId: extensions.find((e) => e.uri === RtpExtensionUri.transportWideCc)?.id ?? 0,
    });
  }
  return receivers;
}
