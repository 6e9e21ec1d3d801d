/**
 * The full-disk test's writer: appends `argv[3]`-byte blocks to `<argv[2]>` through AppendFile,
 * one flush per few blocks, until the disk refuses; then prints what the file holds as JSON.
 */
import { stat } from 'node:fs/promises';
import { AppendFile } from '../AppendFile';

const [path, blockBytes] = [process.argv[2]!, Number(process.argv[3])];
let code = '';
const file = await AppendFile.create(path, (err) => (code = err.code ?? err.message));
const block = Buffer.alloc(blockBytes, 0x5a);
for (let i = 0; code === '' && i < 100_000; i++) {
  file.append(block);
  if (i % 3 === 2) await file.drain();
}
await file.close();
process.stdout.write(JSON.stringify({ code, size: (await stat(path)).size, written: file.written }));
