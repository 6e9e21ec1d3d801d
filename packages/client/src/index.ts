/** @confab/client: the browser SDK for Confab rooms. */
export { connect } from './connect';
export { Room, type ConnectOptions, type InitialPublish } from './Room';
export {
  RoomEvent,
  ConnectionState,
  type RoomEvents,
  type ChatMessage,
  type ParticipantLeftReason,
  type ActiveSpeaker,
  type ConnectionQuality,
  type SystemMessage,
  type WaitingParticipant,
  type Recording,
  type RecordingStop,
} from './events';
export { Moderation } from './Moderation';
export { LocalParticipant } from './LocalParticipant';
export { RemoteParticipant } from './RemoteParticipant';
export { LocalTrack } from './LocalTrack';
export { RemoteTrack, type StreamState, type StreamPauseReason } from './RemoteTrack';
export { CAMERA_LAYERS, SCREEN_LAYERS, sendEncodingsFor, type VideoCodec, type VideoLayer, type VideoPublishDefaults } from './videoEncoding';
export { ConfabError, describeRefusal, mediaFailureOf, type ConfabErrorCode, type MediaFailure, type RemovalReason } from './errors';
export { createLocalTrack, createLocalTracks, withDevice, type LocalDeviceSource, type LocalTracks, type LocalTracksRequest } from './localTracks';
export { createAudioLevelMeter, meterLevel, type AudioLevelMeter, type AudioLevelMeterOptions } from './audioLevel';
export { groupDevices, listDevices, supportsSpeakerSelection, watchDevices, type DeviceLists } from './devices';
export type { TrackStats } from './stats';
export {
  isValidRoomName,
  type TrackSource,
  type PresenceStatus,
  type ErrorCode,
  type Permissions,
  type RoomAccess,
  type RefusalReason,
} from '@confab/protocol';
