import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError } from './config';

/** Where the PEM files are (CONFAB_TLS_CERT, CONFAB_TLS_KEY). */
export interface TlsPaths {
  certPath: string;
  keyPath: string;
}

/** The files' contents, checked: the certificate parses, the key parses and belongs to it. */
export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  /** SHA-256 fingerprint of the leaf certificate (the first in the file), for logs. */
  fingerprint256: string;
  subject: string;
  validTo: Date;
}

/**
 * Reads and checks the certificate (a chain: leaf first, as certbot's fullchain.pem) and its key.
 * Every failure is a ConfigError whose message is one line naming the setting and the file, so
 * start-up can print it as it is and a failed reload can log it once.
 */
export function loadTlsFiles({ certPath, keyPath }: TlsPaths): TlsMaterial {
  const cert = readPem('CONFAB_TLS_CERT', certPath);
  const key = readPem('CONFAB_TLS_KEY', keyPath);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch (error) {
    throw new ConfigError(`CONFAB_TLS_CERT ${certPath}: not a PEM certificate (${reason(error)})`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new ConfigError(`CONFAB_TLS_KEY ${keyPath}: not a PEM private key (${reason(error)})`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new ConfigError(`CONFAB_TLS_KEY ${keyPath}: does not match the certificate in ${certPath}`);
  }
  try {
    // What the server will do with them: catches what the checks above let through (a broken chain entry).
    createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError(`CONFAB_TLS_CERT ${certPath}: unusable with CONFAB_TLS_KEY ${keyPath} (${reason(error)})`);
  }
  return { cert, key, fingerprint256: leaf.fingerprint256, subject: leaf.subject.replace(/\n/g, ', '), validTo: new Date(leaf.validTo) };
}

function readPem(setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : reason(error);
    throw new ConfigError(`${setting} ${path}: ${why}`);
  }
}

/** An OpenSSL error's text without its `error:0480006C:` prefix, on one line. */
function reason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^error:[0-9A-F]+:/, '').replace(/\s+/g, ' ').trim();
}
