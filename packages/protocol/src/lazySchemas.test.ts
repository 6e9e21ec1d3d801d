import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as z from 'zod';
import { LazySchemas } from './lazySchemas';

function countedSchemas() {
  const builds = { hello: 0, bye: 0 };
  const schemas = new LazySchemas({
    hello: () => {
      builds.hello++;
      return z.object({ type: z.literal('hello'), name: z.string() });
    },
    bye: () => {
      builds.bye++;
      return z.object({ type: z.literal('bye') });
    },
  });
  return { schemas, builds };
}

test('a type’s schema is built the first time one is checked, once, and the others not at all', () => {
  const { schemas, builds } = countedSchemas();
  assert.deepEqual(builds, { hello: 0, bye: 0 }, 'nothing built up front');
  assert.ok(schemas.of('hello')?.safeParse({ type: 'hello', name: 'Ann' }).success);
  assert.equal(schemas.of('hello')?.safeParse({ type: 'hello' }).success, false);
  assert.deepEqual(builds, { hello: 1, bye: 0 });
  assert.deepEqual(schemas.types, ['hello', 'bye']);
});

test('a type it does not have has no schema, inherited property names included', () => {
  const { schemas, builds } = countedSchemas();
  for (const type of ['teleport', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) assert.equal(schemas.of(type), undefined, type);
  assert.deepEqual(builds, { hello: 0, bye: 0 });
});

test('union() takes every type, reusing what was built', () => {
  const { schemas, builds } = countedSchemas();
  schemas.of('bye');
  const list = z.array(schemas.union());
  assert.ok(list.safeParse([{ type: 'hello', name: 'Ann' }, { type: 'bye' }]).success);
  assert.equal(list.safeParse([{ type: 'hello' }]).success, false);
  assert.equal(list.safeParse([{ type: 'teleport' }]).success, false);
  assert.deepEqual(builds, { hello: 1, bye: 1 });
});
