import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import {
  CipherContext,
  DtlsClient,
  DtlsServer,
  HashAlgorithm,
  NamedCurveAlgorithm,
  SignatureAlgorithm,
  type Transport,
} from 'werift';
import { certificateFingerprint, DtlsCertificate, type DtlsFingerprint } from './DtlsCertificate';
import { DtlsServerSession, type DtlsFailure } from './DtlsServerSession';
import { SrtpProfile, type SrtpKeyMaterial } from './srtpProfiles';

/**
 * Our DTLS server against werift's DTLS client, wired back to back in memory. Chromium is the
 * client that matters (see the e2e test); this one can also break the client's messages on
 * purpose.
 */

const serverCertificate = await DtlsCertificate.generate();

async function clientCertificate(): Promise<{ certPem: string; keyPem: string; fingerprint: DtlsFingerprint }> {
  const { certPem, keyPem } = await CipherContext.createSelfSignedCertificateWithKey(
    { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
    NamedCurveAlgorithm.secp256r1_23,
  );
  return { certPem, keyPem, fingerprint: certificateFingerprint(new X509Certificate(certPem).raw, 'sha-256')! };
}

function memoryTransport(deliver: (buf: Buffer) => void): Transport {
  return {
    type: 'memory',
    address: { address: '', family: '', port: 0 },
    closed: false,
    onData: () => {},
    send: async (buf: Buffer) => void setImmediate(() => deliver(buf)),
    close: async () => {},
  };
}

interface Handshake {
  session: DtlsServerSession;
  client: DtlsClient;
  clientFingerprint: DtlsFingerprint;
  /** Settles on the session's first 'connected' or failure. */
  outcome: Promise<{ keys?: SrtpKeyMaterial; failure?: { reason: DtlsFailure; detail: string } }>;
  /** Every failure reported, in order (also after the first outcome). */
  failures: DtlsFailure[];
  /** Datagrams each side sent, in order. */
  clientSent: Buffer[];
  serverSent: Buffer[];
}

/** Starts one handshake; `tamper` may rewrite each client datagram on its way to the server. */
async function startHandshake(options: {
  clientProfiles?: Array<1 | 7>;
  /** What to tell the session about the client's fingerprint up front (default: the real one). */
  fingerprint?: (real: DtlsFingerprint) => DtlsFingerprint | null;
  tamper?: (buf: Buffer) => Buffer;
  /** The client resends its second flight's plaintext records right after its Finished, as a client whose timer fired does. */
  resendFlight?: boolean;
}): Promise<Handshake> {
  const cert = await clientCertificate();
  const failures: DtlsFailure[] = [];
  const clientSent: Buffer[] = [];
  const serverSent: Buffer[] = [];
  let settle!: (value: Awaited<Handshake['outcome']>) => void;
  const outcome = new Promise<Awaited<Handshake['outcome']>>((resolve) => (settle = resolve));
  const flight: Buffer[] = [];
  const clientTransport = memoryTransport((buf) => {
    clientSent.push(buf);
    session.receive(options.tamper ? options.tamper(buf) : buf);
    if (options.resendFlight && clientSent.length > 2) {
      const plaintext = resendPlaintext(buf);
      if (plaintext !== null) flight.push(plaintext);
      else for (const resent of flight.splice(0)) session.receive(resent); // the Finished went: resend the rest
    }
  });
  const session = new DtlsServerSession({
    certificate: serverCertificate,
    send: (buf) => {
      serverSent.push(buf);
      setImmediate(() => clientTransport.onData(buf, { address: '', port: 0 } as never));
    },
    onConnected: (keys) => settle({ keys }),
    onFailed: (reason, detail) => {
      failures.push(reason);
      settle({ failure: { reason, detail } });
    },
  });
  const fingerprint = options.fingerprint ? options.fingerprint(cert.fingerprint) : cert.fingerprint;
  if (fingerprint) session.setRemoteFingerprints([fingerprint]);
  const client = new DtlsClient({
    transport: clientTransport,
    cert: cert.certPem,
    key: cert.keyPem,
    signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
    srtpProfiles: options.clientProfiles ?? [1, 7],
    extendedMasterSecret: true,
  });
  client.connect().catch(() => {});
  return { session, client, clientFingerprint: cert.fingerprint, outcome, failures, clientSent, serverSent };
}

/**
 * The datagram's epoch-0 records as a client resends them: the same records under new record
 * sequence numbers (a copy with the old ones would be dropped as a replay). Null if it has none.
 */
function resendPlaintext(buf: Buffer): Buffer | null {
  const records: Buffer[] = [];
  for (let offset = 0; offset + 13 <= buf.length; offset += 13 + buf.readUInt16BE(offset + 11)) {
    if (buf.readUInt16BE(offset + 3) !== 0) continue;
    const record = Buffer.from(buf.subarray(offset, offset + 13 + buf.readUInt16BE(offset + 11)));
    record.writeUIntBE(record.readUIntBE(5, 6) + 1000, 5, 6);
    records.push(record);
  }
  return records.length > 0 ? Buffer.concat(records) : null;
}

test('handshake with werift as client: GCM preferred, keys split by role (our local = their remote)', async () => {
  const { outcome, client } = await startHandshake({});
  const { keys } = await outcome;
  assert.ok(keys);
  assert.equal(keys.profile, SrtpProfile.AeadAes128Gcm);
  await waitFor(() => client.connected);
  const theirs = client.extractSessionKeys(16, 12);
  assert.deepEqual([keys.localKey, keys.localSalt], [theirs.remoteKey, theirs.remoteSalt]);
  assert.deepEqual([keys.remoteKey, keys.remoteSalt], [theirs.localKey, theirs.localSalt]);
  assert.equal(keys.localSalt.length, 12);
  assert.notDeepEqual(keys.localKey, keys.remoteKey);
});

test('a client offering only AES_CM_128_HMAC_SHA1_80 gets it, with 14-byte salts', async () => {
  const { outcome, client } = await startHandshake({ clientProfiles: [1] });
  const { keys } = await outcome;
  assert.equal(keys?.profile, SrtpProfile.Aes128CmHmacSha1_80);
  await waitFor(() => client.connected);
  const theirs = client.extractSessionKeys(16, 14);
  assert.deepEqual(keys?.remoteSalt, theirs.localSalt);
  assert.equal(keys?.localSalt.length, 14);
});

test('a client certificate that does not match the SDP fingerprint fails the session', async () => {
  const { keys, failure } = await (await startHandshake({
    fingerprint: (real) => ({ algorithm: 'sha-256', value: real.value.replace(/^../, real.value.startsWith('00') ? '01' : '00') }),
  })).outcome;
  assert.equal(keys, undefined);
  assert.equal(failure?.reason, 'dtls-failed');
  assert.match(failure?.detail ?? '', /fingerprint/);
});

test("'connected' waits for the fingerprint when the handshake finishes first (we offered; the answer is late)", async () => {
  const { session, client, clientFingerprint, outcome } = await startHandshake({ fingerprint: () => null });
  await waitFor(() => client.connected);
  const early = await Promise.race([outcome.then(() => 'settled'), sleep(200).then(() => 'waiting')]);
  assert.equal(early, 'waiting');
  assert.equal(session.connected, false);
  session.setRemoteFingerprints([clientFingerprint]);
  const { keys } = await outcome;
  assert.equal(keys?.profile, SrtpProfile.AeadAes128Gcm);
  assert.equal(session.connected, true);
});

/** Flips the last byte of the client's CertificateVerify signature (handshake type 15). */
function breakCertificateVerify(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  let offset = 0;
  while (offset + 13 <= out.length) {
    const length = out.readUInt16BE(offset + 11);
    if (out[offset] === 22 && out[offset + 13] === 15) out[offset + 13 + length - 1]! ^= 0x01;
    offset += 13 + length;
  }
  return out;
}

test('a forged CertificateVerify fails here although werift alone accepts it', async () => {
  const { keys, failure } = await (await startHandshake({ tamper: breakCertificateVerify })).outcome;
  assert.equal(keys, undefined);
  assert.equal(failure?.reason, 'dtls-failed');
  assert.match(failure?.detail ?? '', /CertificateVerify/);

  // The same forgery against werift's DtlsServer on its own: it connects.
  const cert = await clientCertificate();
  const clientTransport = memoryTransport((buf) => serverTransport.onData(breakCertificateVerify(buf), {} as never));
  const serverTransport = memoryTransport((buf) => clientTransport.onData(buf, {} as never));
  const server = new DtlsServer({
    transport: serverTransport,
    cert: serverCertificate.certPem,
    key: serverCertificate.keyPem,
    signatureHash: serverCertificate.signatureHash,
    srtpProfiles: [7, 1],
    certificateRequest: true,
    extendedMasterSecret: true,
  });
  const connected = new Promise<boolean>((resolve) => {
    server.onConnect.once(() => resolve(true));
    setTimeout(() => resolve(false), 5000).unref();
  });
  const client = new DtlsClient({
    transport: clientTransport,
    cert: cert.certPem,
    key: cert.keyPem,
    signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
    srtpProfiles: [7],
    extendedMasterSecret: true,
  });
  client.connect().catch(() => {});
  assert.equal(await connected, true, 'werift 0.24.4 does not check CertificateVerify');
});

test('an alert record from the peer ends the session as dtls-alert', async () => {
  const { session, outcome, failures } = await startHandshake({});
  assert.ok((await outcome).keys);
  // close_notify at epoch 1 (encrypted in real life; the record type alone is what counts)
  session.receive(Buffer.from('15fefd0001000000000005001a' + '00'.repeat(26), 'hex'));
  assert.deepEqual(failures, ['dtls-alert']);
  assert.equal(session.connected, false);
});

test('a ClientHello after the handshake is ignored (werift would start over under our exported keys)', async () => {
  const { session, outcome, clientSent, serverSent } = await startHandshake({});
  assert.ok((await outcome).keys);
  await sleep(50);
  const sentBefore = serverSent.length;
  session.receive(clientSent[0]!); // the client's first ClientHello, replayed
  await sleep(50);
  assert.equal(serverSent.length, sentBefore, 'no HelloVerifyRequest sent');
  assert.equal(session.connected, true);
});

test('a late copy of the first ClientHello, after our ServerHello went out, changes nothing (werift would draw new keys)', async () => {
  // Chromium resends its first ClientHello when our HelloVerifyRequest is slow; the copy can
  // arrive after the one with the cookie, when werift's ServerHello has already committed its random and key.
  let first: Buffer | null = null;
  let replay = (): void => {};
  const handshake = await startHandshake({
    tamper: (buf) => {
      if (first === null) first = buf;
      else setImmediate(replay); // after the ClientHello with the cookie
      return buf;
    },
  });
  const { outcome, client } = handshake;
  replay = () => {
    replay = () => {};
    handshake.session.receive(first!);
  };
  const { keys, failure } = await outcome;
  assert.equal(failure, undefined);
  assert.ok(keys);
  await waitFor(() => client.connected);
  assert.deepEqual(keys.localKey, client.extractSessionKeys(16, 12).remoteKey);
});

test('a client flight resent while werift is still answering it changes nothing (werift would compute its master secret again)', async () => {
  const { outcome, client } = await startHandshake({ resendFlight: true });
  const { keys, failure } = await outcome;
  assert.equal(failure, undefined);
  assert.ok(keys);
  await waitFor(() => client.connected);
  assert.deepEqual(keys.localKey, client.extractSessionKeys(16, 12).remoteKey);
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

