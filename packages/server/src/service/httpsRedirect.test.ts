import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpsLocation } from './httpsRedirect';

test('redirect target: same host and path and query, the HTTPS port (none for 443)', () => {
  const at = (host: string | undefined, url: string, port = 8443) => httpsLocation({ headers: host === undefined ? {} : { host }, url }, port);
  assert.equal(at('meet.example.com', '/r/demo?name=Ann&prejoin=0'), 'https://meet.example.com:8443/r/demo?name=Ann&prejoin=0');
  assert.equal(at('meet.example.com:80', '/', 443), 'https://meet.example.com/');
  assert.equal(at('MEET.example.com:8080', '/x'), 'https://meet.example.com:8443/x');
  assert.equal(at('[::1]:8080', '/healthz?x'), 'https://[::1]:8443/healthz?x');
  assert.equal(at('127.0.0.1', '//evil.example/'), 'https://127.0.0.1:8443//evil.example/', 'a path stays a path on our host');
  for (const bad of [undefined, '', 'evil.example/path', 'user@evil.example', 'a b', 'x.example?q']) assert.equal(at(bad, '/'), undefined, String(bad));
});
