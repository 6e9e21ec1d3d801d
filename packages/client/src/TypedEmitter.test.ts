import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypedEmitter } from './TypedEmitter';

interface Events {
  value: [n: number];
  pair: [a: string, b: boolean];
}

class Emitter extends TypedEmitter<Events> {
  readonly listenerErrors: unknown[] = [];
  emit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    return this.safeEmit(event, ...args);
  }
  protected override onListenerError(_event: string, error: unknown): void {
    this.listenerErrors.push(error);
  }
}

test('on delivers typed arguments in registration order', () => {
  const e = new Emitter();
  const seen: string[] = [];
  e.on('pair', (a, b) => seen.push(`1:${a}:${b}`));
  e.on('pair', (a, b) => seen.push(`2:${a}:${b}`));
  assert.equal(e.emit('pair', 'x', true), true);
  assert.deepEqual(seen, ['1:x:true', '2:x:true']);
  assert.equal(e.emit('value', 1), false);
});

test('a throwing listener does not stop the others (safeEmit)', () => {
  const e = new Emitter();
  const seen: number[] = [];
  const boom = new Error('boom');
  e.on('value', () => {
    throw boom;
  });
  e.on('value', (n) => seen.push(n));
  assert.doesNotThrow(() => e.emit('value', 7));
  assert.deepEqual(seen, [7]);
  assert.deepEqual(e.listenerErrors, [boom]);
});

test('once fires a single time and off removes listeners, once-listeners included', () => {
  const e = new Emitter();
  const seen: number[] = [];
  e.once('value', (n) => seen.push(n));
  e.emit('value', 1);
  e.emit('value', 2);
  assert.deepEqual(seen, [1]);
  assert.equal(e.listenerCount('value'), 0);

  const listener = (n: number): void => {
    seen.push(n * 10);
  };
  e.once('value', listener);
  e.off('value', listener);
  e.on('value', listener);
  e.off('value', listener);
  e.emit('value', 3);
  assert.deepEqual(seen, [1]);
});

test('removing a listener during emission does not skip the next one', () => {
  const e = new Emitter();
  const seen: string[] = [];
  const first = (): void => {
    seen.push('first');
    e.off('value', first);
  };
  e.on('value', first);
  e.on('value', () => seen.push('second'));
  e.emit('value', 0);
  e.emit('value', 0);
  assert.deepEqual(seen, ['first', 'second', 'second']);
});
