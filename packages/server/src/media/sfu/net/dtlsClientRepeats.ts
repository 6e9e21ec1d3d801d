const CONTENT_TYPE_HANDSHAKE = 22;
const RECORD_HEADER_LENGTH = 13;
const HANDSHAKE_HEADER_LENGTH = 12;
const CLIENT_HELLO = 1;
const CERTIFICATE = 11;
const CERTIFICATE_VERIFY = 15;
const CLIENT_KEY_EXCHANGE = 16;

/**
 * Removes from the client's datagrams the plaintext handshake records werift 0.24.4 must not see
 * twice, because it acts on each copy as if it were new:
 * - a ClientHello older than the newest one forwarded (the first, cookieless one, resent by a
 *   client whose HelloVerifyRequest was slow, arriving after the one with the cookie): werift
 *   would draw a new random and ECDH key after its ServerHello went out;
 * - a second copy of a Certificate, CertificateVerify or ClientKeyExchange fragment (the client
 *   resends its flight while werift is still answering): werift would compute the extended
 *   master secret again over a transcript that by then holds the whole flight.
 * Other records (a repeated ClientHello with the cookie, the encrypted Finished) pass: werift
 * answers those by resending its own last flight, which is what the client is asking for.
 */
export class DtlsClientRepeats {
  private newestClientHello = -1;
  private readonly seen = new Set<number>();

  /** The datagram, a copy without the repeated records, or null when nothing is left. */
  filter(buf: Buffer): Buffer | null {
    let kept: Buffer[] | null = null;
    let offset = 0;
    while (offset + RECORD_HEADER_LENGTH <= buf.length) {
      const end = Math.min(buf.length, offset + RECORD_HEADER_LENGTH + buf.readUInt16BE(offset + 11));
      const repeated = this.isRepeat(buf, offset, end);
      if (repeated && kept === null) kept = [buf.subarray(0, offset)];
      else if (!repeated && kept !== null) kept.push(buf.subarray(offset, end));
      offset = end;
    }
    if (kept === null) return buf;
    const rest = Buffer.concat(kept);
    return rest.length > 0 ? rest : null;
  }

  private isRepeat(buf: Buffer, offset: number, end: number): boolean {
    const body = offset + RECORD_HEADER_LENGTH;
    if (buf[offset] !== CONTENT_TYPE_HANDSHAKE || buf.readUInt16BE(offset + 3) !== 0) return false;
    if (end - body < HANDSHAKE_HEADER_LENGTH) return false;
    const type = buf[body]!;
    const messageSeq = buf.readUInt16BE(body + 4);
    if (type === CLIENT_HELLO) {
      if (messageSeq < this.newestClientHello) return true;
      this.newestClientHello = messageSeq;
      return false;
    }
    if (type !== CERTIFICATE && type !== CERTIFICATE_VERIFY && type !== CLIENT_KEY_EXCHANGE) return false;
    const key = type * 2 ** 40 + messageSeq * 2 ** 24 + buf.readUIntBE(body + 6, 3); // type, message_seq, fragment_offset
    if (this.seen.has(key)) return true;
    this.seen.add(key);
    return false;
  }
}
