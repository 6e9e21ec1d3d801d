import assert from 'node:assert/strict';
import { test } from 'node:test';
import { candidateToSdp, defaultAnnouncedAddresses, hostCandidates } from './candidates';

test('host candidates: UDP and passive TCP per address, UDP preferred, earlier addresses first', () => {
  const candidates = hostCandidates(['203.0.113.7', '10.0.0.2'], { udp: 40000, tcp: 40001 });
  assert.deepEqual(
    candidates.map(candidateToSdp),
    [
      'candidate:u0 1 udp 2130706431 203.0.113.7 40000 typ host',
      'candidate:t0 1 tcp 2124414975 203.0.113.7 40001 typ host tcptype passive',
      'candidate:u1 1 udp 2130706175 10.0.0.2 40000 typ host',
      'candidate:t1 1 tcp 2124414719 10.0.0.2 40001 typ host tcptype passive',
    ],
  );
  const [udp, tcp, udp2] = candidates;
  assert.ok(udp!.priority > tcp!.priority && udp2!.priority > tcp!.priority, 'any UDP above any TCP');
  assert.equal(hostCandidates(['1.2.3.4'], { udp: 1, tcp: null }).length, 1);
});

test('default announced addresses: a specific bind address as is; a wildcard gives interface addresses', () => {
  assert.deepEqual(defaultAnnouncedAddresses('192.0.2.5'), ['192.0.2.5']);
  const wildcard = defaultAnnouncedAddresses('0.0.0.0');
  assert.ok(wildcard.length > 0);
  assert.ok(wildcard.every((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a) && a !== '0.0.0.0'));
});
