/** @confab/client: the browser SDK for Confab rooms. */
export { connect } from './connect';
export { Room, type ConnectOptions } from './Room';
export { RoomEvent, ConnectionState, type RoomEvents, type ChatMessage, type ParticipantLeftReason } from './events';
export { LocalParticipant } from './LocalParticipant';
export { RemoteParticipant } from './RemoteParticipant';
export { LocalTrack } from './LocalTrack';
export { RemoteTrack, type StreamState, type StreamPauseReason } from './RemoteTrack';
export { CAMERA_LAYERS, SCREEN_LAYERS, sendEncodingsFor, type VideoCodec, type VideoLayer, type VideoPublishDefaults } from './videoEncoding';
export { ConfabError, type ConfabErrorCode } from './errors';
export type { TrackStats } from './stats';
export { isValidRoomName, type TrackSource, type PresenceStatus, type ErrorCode } from '@confab/protocol';
