/**
 * The network transport of the media engine `sfu`: ICE-lite over one UDP port and one ICE-TCP
 * port per worker, DTLS 1.2 for the SRTP keys, raw SRTP/SRTCP in and out.
 */
export {
  WorkerNetwork,
  DEFAULT_CONSENT_TIMEOUT_MS,
  type WorkerNetworkOptions,
  type CreateTransportOptions,
} from './WorkerNetwork';
export {
  IceDtlsTransport,
  type IceDtlsTransportEvents,
  type IceDtlsTransportState,
  type IceDtlsCloseReason,
  type LocalIceDtlsParameters,
  type RemoteIceDtlsParameters,
} from './IceDtlsTransport';
export { candidateToSdp, defaultAnnouncedAddresses, hostCandidates, type IceCandidate } from './candidates';
export { DtlsCertificate, certificateFingerprint, type DtlsFingerprint } from './DtlsCertificate';
export {
  SrtpProfile,
  SRTP_PROFILES,
  DEFAULT_SRTP_PROFILES,
  type SrtpKeyMaterial,
  type SrtpProfileInfo,
} from './srtpProfiles';
export type { IceCredentials } from './iceCredentials';
export type { IcePath, IceProtocol, PacketArrival } from './IcePath';
export { classifyPacket, PacketKind } from './packetKind';
export { UdpMux, type UdpMuxOptions, type UdpMuxStats } from './UdpMux';
export { TcpMux, type TcpMuxOptions, type TcpMuxStats } from './TcpMux';
export { IceRegistry } from './IceRegistry';
