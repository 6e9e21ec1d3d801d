import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LayerDecision, LayerSelector } from './LayerSelector';

test('moving down: the current layer flows until the target key frame, unless it is stopped (an overloaded link)', () => {
  const selector = new LayerSelector(() => 3);
  selector.setTarget(2, 0);
  assert.equal(selector.accept(2, true), LayerDecision.Switch);
  selector.setTarget(0, 10);
  assert.equal(selector.accept(2, false), LayerDecision.Forward, 'waiting for q: f goes on');
  selector.stopCurrent();
  assert.equal(selector.accept(2, false), LayerDecision.Drop, 'stopped: f is dropped at once');
  assert.equal(selector.accept(0, false), LayerDecision.Drop, 'q only from its key frame');
  assert.equal(selector.accept(0, true), LayerDecision.Switch);
  selector.stopCurrent();
  assert.equal(selector.accept(0, false), LayerDecision.Forward, 'on its target: nothing to stop');
});

test('the source silent and back: nothing flows until a key frame of the target, which starts a new segment', () => {
  const selector = new LayerSelector(() => 3);
  selector.setTarget(1, 0);
  assert.equal(selector.accept(1, true), LayerDecision.Switch);
  assert.equal(selector.accept(1, false), LayerDecision.Forward);
  selector.restartAtKeyFrame();
  assert.equal(selector.accept(1, false), LayerDecision.Drop, 'pictures that need what was lost');
  assert.equal(selector.accept(0, true), LayerDecision.Drop, 'another layer');
  assert.equal(selector.accept(1, true), LayerDecision.Switch);
  assert.equal(selector.accept(1, false), LayerDecision.Forward);
});
