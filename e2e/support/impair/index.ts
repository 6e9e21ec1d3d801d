export { canImpair, assertPrivateNetworkNamespace } from './run';
export { NetNamespace, SERVER_ADDRESS, ensureServerAddress } from './NetNamespace';
export { LinkShaper, type Direction } from './LinkShaper';
export { UdpDelayRelay, type RelayOptions } from './UdpDelayRelay';
export { audioTimeline, clapperMedia, movingVideo, type AudioSegment } from './mediaFiles';
export { launchParticipantBrowser, type ParticipantBrowserOptions } from './launchParticipantBrowser';
export { runAtRealtimePriority } from './realtimePriority';
