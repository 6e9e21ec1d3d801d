/**
 * How the SDK encodes the video it publishes: the camera as simulcast layers (rids q, h, f, low to
 * high, docs/protocol.md "Simulcast"), the screen share as one high-detail stream. Pure functions:
 * PublisherConnection applies what they return.
 */

export type VideoCodec = 'vp8' | 'h264' | 'vp9' | 'av1';

/** One simulcast encoding. */
export interface VideoLayer {
  /** RTP stream id; the server tells layers apart by it. */
  rid: string;
  /** 4 = a quarter of the captured width and height. */
  scaleResolutionDownBy: number;
  /** Bits per second. */
  maxBitrate: number;
  maxFramerate?: number;
}

export interface VideoPublishDefaults {
  /** Preferred codec; the next supported one is used when the server or browser lacks it. Default 'vp8'. */
  videoCodec?: VideoCodec;
  /** Publish the camera as simulcast; default true. False sends one encoding (the top layer's limits). */
  simulcast?: boolean;
  /** The camera's layers, low to high; default CAMERA_LAYERS. */
  cameraLayers?: VideoLayer[];
  /**
   * The screen share's encodings, low to high; default SCREEN_LAYERS (one, no rid). Give two with
   * rids for a simulcast screen share.
   */
  screenLayers?: VideoLayer[];
}

/** 180p, 360p and 720p of a 720p capture. */
export const CAMERA_LAYERS: readonly VideoLayer[] = Object.freeze([
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000, maxFramerate: 15 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000, maxFramerate: 30 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_700_000, maxFramerate: 30 },
]);

/** Text must stay sharp: full resolution, few frames when the budget is tight. */
export const SCREEN_LAYERS: readonly VideoLayer[] = Object.freeze([{ rid: '', scaleResolutionDownBy: 1, maxBitrate: 2_500_000, maxFramerate: 15 }]);

/** Codecs with a scalability mode: temporal layers inside each encoding. */
const SVC_CODECS: ReadonlySet<VideoCodec> = new Set(['vp9', 'av1']);

const MIME: Record<VideoCodec, string> = { vp8: 'video/VP8', h264: 'video/H264', vp9: 'video/VP9', av1: 'video/AV1' };

/**
 * The `sendEncodings` for addTransceiver. An empty `rid` means a single unnamed encoding (no
 * simulcast). VP9 and AV1 get `scalabilityMode: 'L1T3'` per encoding.
 */
export function sendEncodingsFor(source: 'camera' | 'screen', defaults: VideoPublishDefaults = {}): RTCRtpEncodingParameters[] {
  const codec = defaults.videoCodec ?? 'vp8';
  let layers = source === 'camera' ? (defaults.cameraLayers ?? CAMERA_LAYERS) : (defaults.screenLayers ?? SCREEN_LAYERS);
  if (layers.length === 0) throw new RangeError(`${source}: at least one layer is needed`);
  if (source === 'camera' && defaults.simulcast === false) layers = [{ ...layers[layers.length - 1]!, rid: '', scaleResolutionDownBy: 1 }];
  const single = layers.length === 1;
  const rids = new Set<string>();
  return layers.map((layer) => {
    if (!single && !/^[A-Za-z0-9]{1,16}$/.test(layer.rid)) throw new RangeError(`${source}: simulcast layers need rids of 1-16 letters or digits`);
    if (!single && rids.has(layer.rid)) throw new RangeError(`${source}: rid "${layer.rid}" appears twice`);
    rids.add(layer.rid);
    const encoding: RTCRtpEncodingParameters = {
      active: true,
      scaleResolutionDownBy: layer.scaleResolutionDownBy,
      maxBitrate: layer.maxBitrate,
    };
    if (!single || layer.rid !== '') encoding.rid = layer.rid;
    if (layer.maxFramerate !== undefined) encoding.maxFramerate = layer.maxFramerate;
    if (SVC_CODECS.has(codec)) (encoding as RTCRtpEncodingParameters & { scalabilityMode?: string }).scalabilityMode = 'L1T3';
    return encoding;
  });
}

/**
 * `codecs` (RTCRtpSender.getCapabilities('video').codecs) reordered so that `preferred` comes
 * first; everything else keeps its order behind it, so negotiation falls back to what the server
 * supports, and RTX/RED/FEC stay available. Returns undefined when the browser lacks `preferred`.
 */
export function preferCodec<C extends { mimeType: string }>(codecs: readonly C[], preferred: VideoCodec): C[] | undefined {
  const mime = MIME[preferred].toLowerCase();
  const first = codecs.filter((c) => c.mimeType.toLowerCase() === mime);
  if (first.length === 0) return undefined;
  return [...first, ...codecs.filter((c) => c.mimeType.toLowerCase() !== mime)];
}
