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
