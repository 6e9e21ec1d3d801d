/**
 * What we accept of a publisher's offer: per m-section one codec (the first we forward, in the
 * publisher's order) with its RTX, the feedback we act on, and the header extensions we read
 * (mid, abs-send-time, transport-wide-cc, audio-level) under the publisher's ids.
 */
import { RtpExtensionUri } from '@confab/wire';
import type { MediaKind } from '../../types';
import { acceptedCodec, isRtxCodec, type CodecName } from '../codecs';
import type { ParsedSdp, SdpMediaSection } from './parseSdp';
import { readCodecs, readExtensions, readSimulcast, readSsrcs, type SdpCodec, type SdpExtension, type SdpSimulcastLayer } from './rtpParameters';

/** The URIs we keep from a publisher, and why. */
const KEPT_EXTENSIONS: ReadonlySet<string> = new Set([
  RtpExtensionUri.mid, // finds the m-section of a stream whose SSRC was not signalled
  RtpExtensionUri.absSendTime, // Chrome's estimator runs on TWCC, but it offers both: harmless
  RtpExtensionUri.transportWideCc, // our feedback drives the publisher's bandwidth estimate
  RtpExtensionUri.audioLevel, // forwarded to subscribers (getSynchronizationSources)
  RtpExtensionUri.rid, // which simulcast layer an unsignalled SSRC carries
  RtpExtensionUri.repairedRid, // ... and which layer an RTX SSRC repairs
]);

/** One m-section the publisher sends on, as we will receive it. */
export interface PublishStream {
  mid: string;
  kind: MediaKind;
  codec: CodecName;
  /** The publisher's payload types. */
  payloadType: number;
  /** -1 without RTX. */
  rtxPayloadType: number;
  clockRate: number;
  /** From a=ssrc / ssrc-group:FID; undefined when not signalled (learnt from the mid extension). */
  ssrc: number | undefined;
  rtxSsrc: number | undefined;
  /** Simulcast encodings, low to high (a=simulcast:send order); empty for a single stream. */
  layers: SdpSimulcastLayer[];
  nack: boolean;
  pli: boolean;
  fir: boolean;
}

/** Extension ids of the publish transport (one BUNDLE: an id means the same in every m-section); 0 = absent. */
export interface PublishExtensionIds {
  mid: number;
  absSendTime: number;
  transportCc: number;
  audioLevel: number;
  rid: number;
  repairedRid: number;
}

/** How we answer one offered m-section. */
export interface AnsweredSection {
  offered: SdpMediaSection;
  /** Undefined: rejected (port 0). */
  stream: PublishStream | undefined;
  /** The codec and its RTX as offered (answered with the publisher's payload types and fmtp). */
  codecs: SdpCodec[];
  extensions: SdpExtension[];
  /** The rids we answer `a=rid:<id> recv` and `a=simulcast:recv` with (empty: no simulcast, or by ssrc-group:SIM). */
  rids: string[];
  /** recvonly while the publisher sends, inactive otherwise. */
  direction: 'recvonly' | 'inactive';
}

export interface PublishNegotiation {
  sections: AnsweredSection[];
  extensionIds: PublishExtensionIds;
}

/** Throws a plain Error (the reason) when no m-section can carry media we forward. */
export function negotiatePublishOffer(offer: ParsedSdp): PublishNegotiation {
  const extensionIds: PublishExtensionIds = { mid: 0, absSendTime: 0, transportCc: 0, audioLevel: 0, rid: 0, repairedRid: 0 };
  const idByUri = new Map<string, number>();
  const sections = offer.media.map((offered): AnsweredSection => {
    const rejected: AnsweredSection = { offered, stream: undefined, codecs: [], extensions: [], rids: [], direction: 'inactive' };
    const kind = offered.kind;
    if (offered.port === 0 || offered.mid === undefined || (kind !== 'audio' && kind !== 'video')) return rejected;
    if (!offered.protocol.includes('SAVPF')) return rejected;
    const codecs = readCodecs(offered);
    const primary = codecs.find((c) => !isRtxCodec(c) && acceptedCodec(c, kind) !== undefined);
    if (primary === undefined) return rejected;
    const rtx = codecs.find((c) => isRtxCodec(c) && c.params.get('apt') === String(primary.payloadType));
    const extensions = readExtensions(offered).filter((e) => {
      if (!KEPT_EXTENSIONS.has(e.uri)) return false;
      const known = idByUri.get(e.uri);
      if (known === undefined) idByUri.set(e.uri, e.id);
      return known === undefined || known === e.id; // BUNDLE: one id per URI on the transport
    });
    const feedback = new Set(primary.feedback);
    const ssrcs = readSsrcs(offered);
    const layers = kind === 'video' ? readSimulcast(offered) : [];
    const sending = offered.direction === 'sendonly' || offered.direction === 'sendrecv';
    return {
      offered,
      stream: {
        mid: offered.mid,
        kind,
        codec: acceptedCodec(primary, kind)!,
        payloadType: primary.payloadType,
        rtxPayloadType: rtx?.payloadType ?? -1,
        clockRate: primary.clockRate,
        ssrc: ssrcs.primary,
        rtxSsrc: rtx ? ssrcs.rtx : undefined,
        layers: layers.map((l) => ({ ...l, rtx: rtx ? l.rtx : undefined })),
        nack: feedback.has('nack'),
        pli: feedback.has('nack pli'),
        fir: feedback.has('ccm fir'),
      },
      codecs: rtx ? [primary, rtx] : [primary],
      extensions,
      rids: layers.some((l) => l.ssrc === undefined) ? layers.map((l) => l.rid) : [],
      direction: sending ? 'recvonly' : 'inactive',
    };
  });
  if (!sections.some((s) => s.stream !== undefined)) throw new Error('no media section offers a codec we forward (Opus, VP8, H264 constrained baseline)');
  extensionIds.mid = idByUri.get(RtpExtensionUri.mid) ?? 0;
  extensionIds.absSendTime = idByUri.get(RtpExtensionUri.absSendTime) ?? 0;
  extensionIds.transportCc = idByUri.get(RtpExtensionUri.transportWideCc) ?? 0;
  extensionIds.audioLevel = idByUri.get(RtpExtensionUri.audioLevel) ?? 0;
  extensionIds.rid = idByUri.get(RtpExtensionUri.rid) ?? 0;
  extensionIds.repairedRid = idByUri.get(RtpExtensionUri.repairedRid) ?? 0;
  return { sections, extensionIds };
}
