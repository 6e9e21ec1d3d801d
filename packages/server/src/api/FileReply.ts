import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ProtocolError } from '@confab/protocol';
import { parseByteRange } from './byteRange';

/** A route's answer that is a file, not JSON: sent whole (200) or the one range asked for (206). */
export class FileReply {
  constructor(
    readonly path: string,
    readonly contentType: string,
  ) {}

  /** Sends the file; resolves with the status sent. */
  async send(req: IncomingMessage, res: ServerResponse): Promise<number> {
    const info = await stat(this.path).catch(() => {
      throw ProtocolError.notFound(`${basename(this.path)} is no longer on disk`);
    });
    const size = info.size;
    const range = parseByteRange(req.headers.range, size);
    const { start, end } = range ?? { start: 0, end: size - 1 };
    const status = range ? 206 : 200;
    res.writeHead(status, {
      'content-type': this.contentType,
      'content-length': String(Math.max(0, end - start + 1)),
      'accept-ranges': 'bytes',
      'content-disposition': `attachment; filename="${basename(this.path)}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (size === 0) {
      res.end();
      return status;
    }
    // A file still being recorded grows: the length sent is the one stat saw.
    await pipeline(createReadStream(this.path, { start, end }), res).catch(() => res.destroy());
    return status;
  }
}

/** What a recorded file is, by its extension (docs/recording.md "Files"). */
export function recordingContentType(file: string): string {
  if (file.endsWith('.webm')) return 'video/webm';
  if (file.endsWith('.mkv')) return 'video/x-matroska';
  if (file.endsWith('.mp4')) return 'video/mp4';
  if (file.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}
