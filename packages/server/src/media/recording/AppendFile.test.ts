import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AppendFile } from './AppendFile';

test('appends reach the file in order across flushes; a patch rewrites bytes in place', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'confab-append-'));
  try {
    const file = await AppendFile.create(join(dir, 'a.bin'), assert.fail);
    file.append(Buffer.from('hello '));
    file.flush(); // in flight while more is staged
    file.append(Buffer.from('world'));
    const { buf, at } = file.stage(1);
    buf[at] = 0x21;
    file.commit(1);
    await file.drain();
    assert.equal(file.written, 12);
    await file.patch(0, Buffer.from('J'));
    await file.close();
    assert.equal(await readFile(join(dir, 'a.bin'), 'utf8'), 'Jello world!');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a disk that falls far behind fails the file once instead of growing the memory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'confab-append-'));
  try {
    const errors: string[] = [];
    const file = await AppendFile.create(join(dir, 'b.bin'), (err) => errors.push(err.code ?? ''));
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 40; i++) file.append(chunk); // never flushed
    const { buf } = file.stage(100); // a writer filling in place still gets room
    assert.ok(buf.length >= 100);
    assert.deepEqual(errors, ['EAGAIN']);
    assert.ok(file.length <= 32 * 1024 * 1024);
    await file.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('started, not yet open: appends and flushes are held and written once the file opens; a file that cannot open says why', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'confab-append-'));
  try {
    const file = AppendFile.start(join(dir, 'early.bin'), assert.fail);
    file.append(Buffer.from('first packets '));
    file.flush(); // nothing to write to yet: kept
    file.append(Buffer.from('arrive early'));
    await file.opened;
    await file.close();
    assert.equal(await readFile(join(dir, 'early.bin'), 'utf8'), 'first packets arrive early');
    const nowhere = AppendFile.start(join(dir, 'missing', 'x.bin'), assert.fail);
    nowhere.append(Buffer.from('lost'));
    await assert.rejects(nowhere.opened, { code: 'ENOENT' });
    await nowhere.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
