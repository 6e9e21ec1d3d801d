import { randomBytes } from 'node:crypto';

export interface IceCredentials {
  /** ice-ufrag: 4-256 ice-chars (RFC 8839 5.4). */
  usernameFragment: string;
  /** ice-pwd: 22-256 ice-chars, at least 128 bits of randomness (RFC 8445 5.3). */
  password: string;
}

const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** `length` random ice-chars (ALPHA / DIGIT / "+" / "/"): 6 bits each, unbiased (64 symbols). */
export function randomIceString(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ICE_CHARS[bytes[i]! & 63];
  return out;
}

/** A fresh pair: 8-char ufrag (48 bits, unique per worker by the registry), 24-char pwd (144 bits). */
export function randomIceCredentials(): IceCredentials {
  return { usernameFragment: randomIceString(8), password: randomIceString(24) };
}
