import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AppendFile } from './AppendFile';

const execFileAsync = promisify(execFile);

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

test('a full disk mid-flush: the part of the flush it took is cut back off, so the file ends on a whole append', { skip: process.getuid?.() === 0 ? false : 'needs root: a tiny tmpfs in a mount namespace of its own (unshare -m)' }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'confab-append-'));
  try {
    // 999-byte appends against 4 KiB pages: the disk fills in the middle of one.
    const script = fileURLToPath(new URL('./testing/fillDisk.ts', import.meta.url));
    const mountThenFill = 'mount -t tmpfs -o size=64k confab-unit "$0" && exec "$@"';
    const { stdout } = await execFileAsync('unshare', ['-m', 'sh', '-c', mountThenFill, dir, process.execPath, '--import', 'tsx', script, join(dir, 'full.bin'), '999']);
    const { code, size, written } = JSON.parse(stdout) as { code: string; size: number; written: number };
    assert.equal(code, 'ENOSPC');
    assert.ok(size > 30_000, `the disk took ${size} bytes before it was full`);
    assert.equal(size % 999, 0, `the file (${size} bytes) ends on a whole append`);
    assert.equal(written, size);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
