import {
  RTCRtpCodecParameters,
  useSdesMid,
  type PeerConfig,
  type RTCIceServer,
  type RTCRtpHeaderExtensionParameters,
} from 'werift';

export interface PeerOptions {
  /** From `joined`. An empty list means host candidates only (no STUN look-ups). */
  iceServers: RTCIceServer[];
  /**
   * Extra ICE host addresses. werift skips `internal` interfaces (loopback) when it gathers, so in a
   * network namespace with only `lo` it would gather nothing; `iceAdditionalHostAddresses` is the
   * option that adds them back. Default: 127.0.0.1.
   */
  hostAddresses?: string[];
}

/** What a browser would offer, minus transport-cc (the server strips it anyway). Fresh objects per pc: werift mutates them. */
function codecs(): { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] } {
  const videoFeedback = [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'ccm', parameter: 'fir' }, { type: 'goog-remb' }];
  return {
    audio: [
      new RTCRtpCodecParameters({
        mimeType: 'audio/opus',
        clockRate: 48000,
        channels: 2,
        payloadType: 111,
        parameters: 'minptime=10;useinbandfec=1',
      }),
    ],
    video: [
      new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback: videoFeedback }),
      new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: 97, parameters: 'apt=96' }),
    ],
  };
}

function headerExtensions(): { audio: RTCRtpHeaderExtensionParameters[]; video: RTCRtpHeaderExtensionParameters[] } {
  return { audio: [useSdesMid()], video: [useSdesMid()] };
}

/** RTCPeerConnection configuration for a headless participant (either direction). */
export function peerConfig(options: PeerOptions): Partial<PeerConfig> {
  return {
    bundlePolicy: 'max-bundle',
    iceServers: options.iceServers,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: options.hostAddresses ?? ['127.0.0.1'],
    codecs: codecs(),
    headerExtensions: headerExtensions(),
  };
}
