import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AudioLevelMeter, VOICE_FLOOR_DBOV } from './AudioLevelMeter';

const VOICE = 0x80;

test('voiced packets above the floor count, with their level on a 0..1 dB scale', () => {
  const meter = new AudioLevelMeter();
  meter.add(VOICE | 0); // full scale
  meter.add(VOICE | (VOICE_FLOOR_DBOV / 2)); // halfway to the floor
  meter.add(VOICE | 127); // digital silence, V set anyway
  meter.add(10); // loud, but the sender's VAD says no voice
  assert.equal(meter.packets, 4);
  assert.equal(meter.voicedPackets, 2);
  assert.equal(meter.voiced, 0.5);
  assert.equal(meter.level, 0.75);
  meter.reset();
  assert.equal(meter.packets, 0);
  assert.equal(meter.voiced, 0);
  assert.equal(meter.level, 0);
});
