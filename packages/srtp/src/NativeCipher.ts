import type { SessionKeys } from './keyDerivation';
import { NATIVE_KIND, type NativeContext, type NativeSrtpAddon } from './nativeAddon';
import type { PacketCipher } from './packetCipher';
import type { SrtpProfile } from './profiles';

/** The native core: one OpenSSL context per session key, only the IV is reset per packet. */
export class NativeCipher implements PacketCipher {
  private readonly addon: NativeSrtpAddon;
  private readonly rtp: NativeContext;
  private readonly rtcp: NativeContext;
  private sealId = -1;
  private closed: boolean;

  constructor(addon: NativeSrtpAddon, profile: SrtpProfile, keys: SessionKeys) {
    const kind = NATIVE_KIND[profile];
    const auth = (key: Buffer) => (key.length > 0 ? key : null);
    this.addon = addon;
    this.rtp = addon.createContext(kind, keys.rtpKey, keys.rtpSalt, auth(keys.rtpAuthKey));
    this.rtcp = addon.createContext(kind, keys.rtcpKey, keys.rtcpSalt, auth(keys.rtcpAuthKey));
    this.closed = false;
  }

  /** Registered on first use: a session's receiving cipher never needs an id. */
  get rtpSealId(): number {
    if (this.sealId < 0 && !this.closed) this.sealId = this.addon.registerContext(this.rtp);
    return this.closed ? -1 : this.sealId;
  }

  sealRtp(buf: Uint8Array, len: number, headerLength: number, roc: number): number {
    return this.addon.sealRtp(this.rtp, buf, len, headerLength, roc);
  }

  openRtp(buf: Uint8Array, len: number, headerLength: number, roc: number): number {
    return this.addon.openRtp(this.rtp, buf, len, headerLength, roc);
  }

  sealRtcp(buf: Uint8Array, len: number, index: number): number {
    return this.addon.sealRtcp(this.rtcp, buf, len, index);
  }

  openRtcp(buf: Uint8Array, len: number): number {
    return this.addon.openRtcp(this.rtcp, buf, len);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.addon.destroyContext(this.rtp);
    this.addon.destroyContext(this.rtcp);
  }
}

