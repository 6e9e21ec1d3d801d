import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ADMIN_API_PREFIX } from '@confab/protocol';
import { ADMIN_ROUTES } from './routes';

const docs = readFileSync(new URL('../../../../docs/api.md', import.meta.url), 'utf8');
const calls = (routes = ADMIN_ROUTES) => routes.map((r) => `${r.method} ${ADMIN_API_PREFIX}${r.path}`).sort();

test('docs/api.md has a section for every call of the admin API, and for nothing else', () => {
  const sections = [...docs.matchAll(/^### (GET|POST|PATCH|DELETE) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`).sort();
  assert.deepEqual(sections, calls());
});

test("docs/api.md's table of grants says what routes.ts checks", () => {
  const rows = [...docs.matchAll(/^\| `((?:GET|POST|PATCH|DELETE) \/api\/v1\S*)` \| (.*) \|$/gm)];
  const documented = Object.fromEntries(rows.map(([, call, needs]) => [call, [...needs!.matchAll(/`(roomList|roomCreate|roomAdmin|roomRecord)`/g)].map((m) => m[1])]));
  const checked = Object.fromEntries(ADMIN_ROUTES.map((r) => [`${r.method} ${ADMIN_API_PREFIX}${r.path}`, r.access === 'public' ? [] : [...r.access]]));
  assert.deepEqual(documented, checked);
});
