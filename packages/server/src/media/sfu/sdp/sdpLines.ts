/** Lines both of our descriptions share: the session part and each m-section's transport part. */
import { candidateToSdp, type LocalIceDtlsParameters } from '../net/index';

export interface SessionOrigin {
  /** Constant for the life of a transport (RFC 8866 5.2). */
  id: string;
  /** Goes up with every new description of the transport. */
  version: number;
}

export function sessionLines(origin: SessionOrigin, bundle: readonly string[]): string[] {
  const lines = ['v=0', `o=- ${origin.id} ${origin.version} IN IP4 0.0.0.0`, 's=-', 't=0 0', 'a=ice-lite'];
  if (bundle.length > 0) lines.push(`a=group:BUNDLE ${bundle.join(' ')}`);
  lines.push('a=msid-semantic: WMS *');
  return lines;
}

/** c=, ICE credentials, fingerprint, setup and our candidates, for an m-section with a port. */
export function transportLines(local: LocalIceDtlsParameters, setup: 'actpass' | 'passive'): string[] {
  return [
    'c=IN IP4 0.0.0.0',
    'a=rtcp:9 IN IP4 0.0.0.0',
    `a=ice-ufrag:${local.usernameFragment}`,
    `a=ice-pwd:${local.password}`,
    `a=fingerprint:${local.fingerprint.algorithm} ${local.fingerprint.value}`,
    `a=setup:${setup}`,
    ...local.candidates.map((c) => `a=${candidateToSdp(c)}`),
    'a=end-of-candidates',
  ];
}

/** An m-section rejected with port 0: its kind, protocol and formats as they were, and its mid. */
export function rejectedSectionLines(kind: string, protocol: string, formats: readonly string[], mid: string | undefined): string[] {
  const lines = [`m=${kind} 0 ${protocol} ${formats.length > 0 ? formats.join(' ') : '0'}`, 'c=IN IP4 0.0.0.0'];
  if (mid !== undefined) lines.push(`a=mid:${mid}`);
  lines.push('a=inactive');
  return lines;
}

export function joinSdp(lines: readonly string[]): string {
  return lines.join('\r\n') + '\r\n';
}
