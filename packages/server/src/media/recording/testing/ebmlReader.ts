/** A small EBML reader for tests: the element tree of a Matroska file, to check what the writer laid out. */
import { MkvId } from '../ebml';

export interface Element {
  id: number;
  /** Offset of the ID, of the body, and the body's size (-1: unknown). */
  at: number;
  dataAt: number;
  size: number;
  children: Element[];
  data: Buffer;
}

const MASTERS = new Set<number>([MkvId.Ebml, MkvId.Segment, MkvId.SeekHead, MkvId.Seek, MkvId.Info, MkvId.Tracks, MkvId.TrackEntry, MkvId.Video, MkvId.Audio, MkvId.Cluster, MkvId.Cues, MkvId.CuePoint, MkvId.CueTrackPositions]);
/** Elements that can follow an unknown-size Segment or Cluster at its own level (end it). */
const TOP_LEVEL = new Set<number>([MkvId.SeekHead, MkvId.Info, MkvId.Tracks, MkvId.Cluster, MkvId.Cues]);

function vint(buf: Buffer, at: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } {
  const first = buf[at]!;
  let length = 1;
  while (length <= 8 && !(first & (0x80 >> (length - 1)))) length++;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = (first & (0xff >> length)) === 0xff >> length;
  for (let i = 1; i < length; i++) {
    value = value * 256 + buf[at + i]!;
    if (buf[at + i] !== 0xff) allOnes = false;
  }
  return { value, length, unknown: allOnes };
}

/** The elements of `buf[from, to)`. An unknown-size master runs until a sibling of its level starts or `to`. */
export function readElements(buf: Buffer, from = 0, to = buf.length, inCluster = false): Element[] {
  const out: Element[] = [];
  let at = from;
  while (at < to) {
    const id = vint(buf, at, true);
    if (inCluster && TOP_LEVEL.has(id.value)) break;
    const size = vint(buf, at + id.length, false);
    const dataAt = at + id.length + size.length;
    let end = size.unknown ? to : dataAt + size.value;
    const children = MASTERS.has(id.value) ? readElements(buf, dataAt, end, id.value === MkvId.Cluster && size.unknown) : [];
    if (size.unknown && id.value === MkvId.Cluster) {
      const last = children.at(-1);
      end = last === undefined ? dataAt : last.dataAt + Math.max(0, last.size);
    }
    out.push({ id: id.value, at, dataAt, size: size.unknown ? -1 : size.value, children, data: buf.subarray(dataAt, Math.min(end, buf.length)) });
    at = end;
  }
  return out;
}

export function child(e: Element, id: number): Element | undefined {
  return e.children.find((c) => c.id === id);
}

export function uintOf(e: Element): number {
  let v = 0;
  for (const b of e.data) v = v * 256 + b;
  return v;
}
