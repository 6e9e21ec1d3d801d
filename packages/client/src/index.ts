/** @confab/client: the browser SDK for Confab rooms. */
export { connect } from './connect';
export { Room, type ConnectOptions, type InitialPublish } from './Room';
export { RoomEvent, ConnectionState, type RoomEvents, type ChatMessage, type ParticipantLeftReason } from './events';
export { LocalParticipant } from './LocalParticipant';
export { RemoteParticipant } from './RemoteParticipant';
export { LocalTrack } from './LocalTrack';
export { RemoteTrack } from './RemoteTrack';
export { ConfabError, mediaFailureOf, type ConfabErrorCode, type MediaFailure } from './errors';
export { createLocalTrack, createLocalTracks, withDevice, type LocalDeviceSource, type LocalTracks, type LocalTracksRequest } from './localTracks';
export { createAudioLevelMeter, meterLevel, type AudioLevelMeter, type AudioLevelMeterOptions } from './audioLevel';
export { groupDevices, listDevices, supportsSpeakerSelection, watchDevices, type DeviceLists } from './devices';
export type { TrackStats } from './stats';
export { isValidRoomName, type TrackSource, type PresenceStatus, type ErrorCode } from '@confab/protocol';
