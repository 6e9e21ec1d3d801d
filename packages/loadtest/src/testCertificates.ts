import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, symlinkSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { connect } from 'node:tls';
import { withTimeout } from './time';

/** A self-signed certificate made by `openssl` for tests, valid for localhost and 127.0.0.1. */
export interface TestCertificate {
  certPath: string;
  keyPath: string;
  /** SHA-256 fingerprint as Node prints it (`AB:CD:...`). */
  fingerprint256: string;
  /** base64 SHA-256 of the public key (SPKI): what Chromium's --ignore-certificate-errors-spki-list takes. */
  spkiHash: string;
}

/**
 * `openssl req -x509` with a fresh P-256 key and a random serial, in `dir` as `<name>.pem` and
 * `<name>.key`. Each call gives a different certificate, so a swap shows in the fingerprint.
 */
export function makeTestCertificate(dir: string, name: string, commonName = name): TestCertificate {
  mkdirSync(dir, { recursive: true });
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '30', '-subj', `/CN=${commonName}`,
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  return describeCertificate(certPath, keyPath);
}

export function describeCertificate(certPath: string, keyPath: string): TestCertificate {
  const pem = readFileSync(certPath);
  const spki = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return {
    certPath,
    keyPath,
    fingerprint256: new X509Certificate(pem).fingerprint256,
    spkiHash: createHash('sha256').update(spki).digest('base64'),
  };
}

/**
 * Points `linkPath` at `target` the way certbot renews `live/<domain>/*.pem`: a new symlink under a
 * temporary name, renamed over the old one, so readers never see a missing file.
 */
export function swapSymlink(linkPath: string, target: string): void {
  const temp = `${linkPath}.new-${process.pid}`;
  symlinkSync(relative(dirname(linkPath), target), temp);
  renameSync(temp, linkPath);
}

/** The SHA-256 fingerprint of the certificate a fresh TLS connection to host:port is given. */
export async function servedFingerprint(port: number, host = '127.0.0.1', timeoutMs = 5_000): Promise<string> {
  const socket = connect({ host, port, servername: 'localhost', rejectUnauthorized: false });
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('secureConnect', () => resolve());
        socket.once('error', reject);
      }),
      timeoutMs,
      `TLS handshake with ${host}:${port}`,
    );
    return socket.getPeerCertificate().fingerprint256;
  } finally {
    socket.destroy();
  }
}
