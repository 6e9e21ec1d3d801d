import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOriginPolicy } from './originPolicy';

test('default: localhost pages, the server\'s own pages and non-browser clients', () => {
  const allows = createOriginPolicy('localhost');
  assert.equal(allows(undefined, 'meet.example.com'), true, 'no Origin: not a browser');
  for (const origin of ['http://localhost:5173', 'https://localhost', 'http://127.0.0.1:8080', 'http://[::1]:8080']) {
    assert.equal(allows(origin, 'meet.example.com'), true, origin);
  }
  assert.equal(allows('https://meet.example.com', 'meet.example.com'), true, 'same origin (TLS ended at a proxy)');
  assert.equal(allows('http://meet.example.com:8080', 'Meet.Example.com:8080'), true, 'Host compared without case');
  assert.equal(allows('https://evil.example', 'meet.example.com'), false);
  assert.equal(allows('http://localhost.evil.example', 'meet.example.com'), false);
  assert.equal(allows('http://meet.example.com:9000', 'meet.example.com:8080'), false, 'another port is another origin');
  assert.equal(allows('null', 'meet.example.com'), false, 'sandboxed frames and file: pages');
  assert.equal(allows('not a url', 'meet.example.com'), false);
  assert.equal(allows('https://evil.example', undefined), false);
});

test('a list allows exactly those origins (and the server\'s own), no longer localhost', () => {
  const allows = createOriginPolicy(['https://app.example.com', 'http://localhost:5173']);
  assert.equal(allows('https://app.example.com', 'meet.example.com'), true);
  assert.equal(allows('https://APP.example.com:443', 'meet.example.com'), true, 'compared as origins');
  assert.equal(allows('http://localhost:5173', 'meet.example.com'), true);
  assert.equal(allows('http://localhost:3000', 'meet.example.com'), false);
  assert.equal(allows('http://app.example.com', 'meet.example.com'), false, 'scheme matters');
  assert.equal(allows('https://meet.example.com', 'meet.example.com'), true);
  assert.equal(allows(undefined, 'meet.example.com'), true);
});

test('"*" allows every origin', () => {
  const allows = createOriginPolicy('*');
  assert.equal(allows('https://anything.example', 'meet.example.com'), true);
  assert.equal(allows('null', 'meet.example.com'), true);
});
