export { NATIVE_FANOUT_ENV, nativeRtpFanout, nativeSendStates, nativeTcpUserTimeout, nativeUdpBatchSend, nativeUdpReceive, srtpBackend, srtpNativeLoadError, SRTP_BACKEND_ENV, UDP_RECEIVE_ENV } from './backend';
export type { NativeReceiveHandle, NativeRtpFanout, NativeSendStates, NativeTcpUserTimeout, NativeUdpBatchSend, NativeUdpReceive } from './nativeAddon';
export { stopDgramReceive, udpSocketFd } from './udpSocketFd';
export {
  createSrtpSession,
  DEFAULT_MAX_STREAMS,
  DEFAULT_REPLAY_WINDOW,
  type SrtpSessionOptions,
} from './createSrtpSession';
export {
  DTLS_SRTP_EXPORTER_LABEL,
  dtlsSrtpKeyingMaterialLength,
  splitDtlsSrtpKeyingMaterial,
  type DtlsRole,
  type SrtpMasterKeys,
} from './dtlsSrtp';
export type { SrtpBackend } from './packetCipher';
export { SRTP_MAX_OVERHEAD, SRTP_PROFILES, srtpProfileFromDtlsId, type SrtpProfile, type SrtpProfileParams } from './profiles';
export { OUTBOUND_STREAM_STATE, OutboundRtpStream } from './OutboundRtpStream';
export { SrtpSession } from './SrtpSession';
export { SrtpStatus, srtpStatusName, type SrtpStatusCode } from './status';
