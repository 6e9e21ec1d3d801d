import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as z from 'zod';
import { ADMIN_API_PREFIX } from '@confab/protocol';
import { AdminClient } from '@confab/server-sdk';
import { OPENAPI_DOCUMENT } from './openApiDocument';
import { OPENAPI_SCHEMAS, type SchemaName } from './openApiSchemas';
import type { Operation, Parameter, Reference } from './openApiTypes';
import { ADMIN_ROUTES } from './routes';

const doc = OPENAPI_DOCUMENT;

function operations(): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]));
}

/** What a `$ref` into this document points at. */
function resolve<T>(value: T | Reference): T {
  if (typeof value !== 'object' || value === null || !('$ref' in value)) return value;
  const target = value.$ref.replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], doc);
  assert.ok(target !== undefined, `${value.$ref} points at nothing`);
  return target as T;
}

function schemaName(ref: Reference | object | undefined): SchemaName {
  assert.ok(ref && '$ref' in ref, 'a body is a reference to a component schema');
  return ref.$ref.replace('#/components/schemas/', '') as SchemaName;
}

test('every route of the table is in the document, and nothing else, with its operationId and grants', () => {
  const fromRoutes = ADMIN_ROUTES.map((r) => [`${r.method} ${r.path}`, r.operationId, r.access === 'public' ? [] : [...r.access]]).sort();
  const fromDocument = operations().map(([key, op]) => [key, op.operationId, [...op['x-confab-grants']]]).sort();
  assert.deepEqual(fromDocument, fromRoutes);
  const publicOnes = operations().filter(([, op]) => op.security?.length === 0).map(([key]) => key);
  assert.deepEqual(publicOnes, ADMIN_ROUTES.filter((r) => r.access === 'public').map((r) => `${r.method} ${r.path}`));
});

test("operationIds are AdminClient's method names, so the document and the SDK speak of the same calls", () => {
  const sdk = Object.getOwnPropertyNames(AdminClient.prototype).filter((name) => name !== 'constructor' && !['json', 'send', 'call'].includes(name));
  const documented = ADMIN_ROUTES.filter((r) => r.access !== 'public').map((r) => r.operationId);
  assert.deepEqual(documented.sort(), sdk.sort());
});

test('each operation declares exactly its path parameters and query, and takes the very body schema the route checks', () => {
  for (const route of ADMIN_ROUTES) {
    const op = doc.paths[route.path]![route.method.toLowerCase() as 'get']!;
    const parameters = (op.parameters ?? []).map((p) => resolve<Parameter>(p));
    const inPath = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    assert.deepEqual(parameters.filter((p) => p.in === 'path').map((p) => p.name), inPath, route.path);
    const queryKeys = route.query instanceof z.ZodObject ? Object.keys(route.query.shape) : [];
    assert.deepEqual(parameters.filter((p) => p.in === 'query').map((p) => p.name), queryKeys, route.path);
    if (route.body) assert.equal(OPENAPI_SCHEMAS[schemaName(op.requestBody?.content['application/json'].schema)], route.body, route.operationId);
    else assert.equal(op.requestBody, undefined, route.operationId);
  }
});

test('every answer is described: the success status the route gives, errors with the error body, and every $ref resolves', () => {
  const text = JSON.stringify(doc);
  for (const [, ref] of text.matchAll(/"\$ref":"([^"]+)"/g)) resolve({ $ref: ref! });
  for (const route of ADMIN_ROUTES) {
    const statuses = Object.keys(doc.paths[route.path]![route.method.toLowerCase() as 'get']!.responses);
    // A download also answers 206 (one byte range), beside the route's own status.
    const partial = route.operationId === 'downloadRecordingFile' ? ['206'] : [];
    assert.deepEqual(statuses.filter((s) => s.startsWith('2')), [String(route.status), ...partial], route.operationId);
  }
  for (const [key, op] of operations()) {
    const statuses = Object.keys(op.responses);
    for (const status of statuses.filter((s) => !s.startsWith('2'))) {
      assert.equal(schemaName(resolve(op.responses[status]!).content?.['application/json']?.schema), 'AdminErrorBody', `${key} ${status}`);
    }
    if (key !== 'GET /openapi.json') assert.ok(['401', '403', '429'].every((s) => statuses.includes(s)), key);
  }
  assert.equal(doc.servers[0]!.url, ADMIN_API_PREFIX);
});

test("component schemas are admin.ts's own, as JSON Schema: a strict body refuses unknown fields, required fields are listed", () => {
  const { CreateRoomBody, RoomSummary } = doc.components.schemas;
  assert.equal(CreateRoomBody!.additionalProperties, false);
  assert.deepEqual(CreateRoomBody!.required, ['name']);
  assert.deepEqual((RoomSummary!.required as string[]).sort(), Object.keys(OPENAPI_SCHEMAS.RoomSummary.shape).sort());
  assert.ok(!('$schema' in RoomSummary!) && !('$id' in RoomSummary!));
});
