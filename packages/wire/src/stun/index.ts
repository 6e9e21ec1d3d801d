export * from './constants';
export { crc32 } from './crc32';
export { StunMessage, type StunAddress, type StunErrorValue } from './StunMessage';
export { isStun, parseStun } from './parseStun';
export { buildStun, type StunBuildOptions } from './buildStun';
export { HmacSha1Key } from './hmacSha1';
export { shortTermKey, verifyStunFingerprint, verifyStunIntegrity } from './integrity';
export { formatIpv4, formatIpv6, intToIpv4, parseIpv4, unmapIpv4, writeIpAddress } from './ipAddress';
