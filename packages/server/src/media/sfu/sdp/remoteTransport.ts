import type { DtlsFingerprint } from '../net/index';
import { sdpAttribute, sectionInUse, type ParsedSdp } from './parseSdp';

/** What the client's description says about its ICE and DTLS (one bundled transport). */
export interface RemoteTransportParameters {
  usernameFragment: string;
  fingerprints: DtlsFingerprint[];
  /** a=setup: actpass, active or passive. */
  setup: string | undefined;
}

/**
 * Read from the first m-section (the BUNDLE tag carries the transport), falling back to the
 * session part. Throws a plain Error when the ufrag or every fingerprint is missing.
 */
export function readRemoteTransport(parsed: ParsedSdp): RemoteTransportParameters {
  const section = parsed.media.find((m) => sectionInUse(parsed, m)) ?? parsed.media[0];
  const usernameFragment = sdpAttribute(parsed, section, 'ice-ufrag')?.trim();
  if (!usernameFragment) throw new Error('no a=ice-ufrag');
  const fingerprintLines = [
    ...(section?.attributes ?? []).filter((a) => a.name === 'fingerprint'),
    ...parsed.session.filter((a) => a.name === 'fingerprint'),
  ];
  const fingerprints: DtlsFingerprint[] = [];
  for (const { value } of fingerprintLines) {
    const [algorithm, fingerprint] = value.trim().split(/\s+/);
    if (algorithm && fingerprint) fingerprints.push({ algorithm: algorithm.toLowerCase(), value: fingerprint });
  }
  if (fingerprints.length === 0) throw new Error('no usable a=fingerprint');
  return { usernameFragment, fingerprints, setup: sdpAttribute(parsed, section, 'setup')?.trim() };
}
