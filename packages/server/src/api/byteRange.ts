import { ErrorCode } from '@confab/protocol';
import { AdminHttpError } from './AdminHttpError';

/** Inclusive byte offsets, as Content-Range has them. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * The one range of a `Range` header (RFC 9110 14.1.2: `bytes=a-b`, `bytes=a-`, `bytes=-n`) in a
 * file of `size` bytes; undefined for no header, or one we do not honour (several ranges, another
 * unit: the whole file is sent then, as the RFC allows). 416 when the range lies past the end.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [first, last] = [match[1]!, match[2]!];
  let range: ByteRange;
  if (first === '') {
    // A suffix: the last n bytes.
    const n = Number(last);
    range = { start: Math.max(0, size - n), end: size - 1 };
    if (n === 0) throw unsatisfiable(size);
  } else {
    range = { start: Number(first), end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
    if (last !== '' && Number(last) < range.start) return undefined; // malformed: ignored, per the RFC
  }
  if (range.start >= size) throw unsatisfiable(size);
  return range;
}

function unsatisfiable(size: number): AdminHttpError {
  return new AdminHttpError(ErrorCode.InvalidArgument, `the requested range is not within the file's ${size} bytes`, 416, { 'content-range': `bytes */${size}` });
}
