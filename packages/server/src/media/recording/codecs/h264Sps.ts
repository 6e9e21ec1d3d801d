/**
 * The picture size an H264 sequence parameter set (ITU-T H.264 7.3.2.1.1) announces, for the
 * container header. Reads the NAL unit `nal` (header byte included, emulation prevention bytes
 * still in); returns null if it is truncated or uses what we do not parse (a PAFF/MBAFF stream is
 * still sized right: frame_mbs_only is read).
 */
export function h264PictureSize(nal: Uint8Array): { width: number; height: number } | null {
  const r = new BitReader(unescape(nal.subarray(1)));
  try {
    const profile = r.bits(8);
    r.bits(16); // constraint flags, level
    r.ue(); // seq_parameter_set_id
    let chromaFormat = 1;
    if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
      chromaFormat = r.ue();
      if (chromaFormat === 3) r.bits(1); // separate_colour_plane
      r.ue(); // bit_depth_luma
      r.ue(); // bit_depth_chroma
      r.bits(1); // qpprime_y_zero_transform_bypass
      if (r.bits(1)) {
        for (let i = 0; i < (chromaFormat !== 3 ? 8 : 12); i++) if (r.bits(1)) skipScalingList(r, i < 6 ? 16 : 64);
      }
    }
    r.ue(); // log2_max_frame_num
    const pocType = r.ue();
    if (pocType === 0) r.ue();
    else if (pocType === 1) {
      r.bits(1);
      r.se();
      r.se();
      const n = r.ue();
      for (let i = 0; i < n; i++) r.se();
    }
    r.ue(); // max_num_ref_frames
    r.bits(1); // gaps_in_frame_num_allowed
    const widthMbs = r.ue() + 1;
    const heightMapUnits = r.ue() + 1;
    const frameMbsOnly = r.bits(1);
    if (!frameMbsOnly) r.bits(1); // mb_adaptive_frame_field
    r.bits(1); // direct_8x8_inference
    let cropX = 0;
    let cropY = 0;
    if (r.bits(1)) {
      const left = r.ue();
      const right = r.ue();
      const top = r.ue();
      const bottom = r.ue();
      const unitX = chromaFormat === 1 || chromaFormat === 2 ? 2 : 1;
      const unitY = (chromaFormat === 1 ? 2 : 1) * (2 - frameMbsOnly);
      cropX = (left + right) * unitX;
      cropY = (top + bottom) * unitY;
    }
    const width = widthMbs * 16 - cropX;
    const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropY;
    return width > 0 && height > 0 ? { width, height } : null;
  } catch {
    return null;
  }
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Removes emulation prevention bytes (00 00 03 -> 00 00). */
function unescape(src: Uint8Array): Uint8Array {
  const out = new Uint8Array(src.length);
  let n = 0;
  let zeros = 0;
  for (let i = 0; i < src.length; i++) {
    const b = src[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[n++] = b;
  }
  return out.subarray(0, n);
}

class BitReader {
  private at = 0;

  constructor(private readonly data: Uint8Array) {}

  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.at >> 3;
      if (byte >= this.data.length) throw new RangeError('SPS truncated');
      v = v * 2 + ((this.data[byte]! >> (7 - (this.at & 7))) & 1);
      this.at++;
    }
    return v;
  }

  /** Exp-Golomb, unsigned. */
  ue(): number {
    let zeros = 0;
    while (this.bits(1) === 0) if (++zeros > 31) throw new RangeError('bad exp-Golomb code');
    return 2 ** zeros - 1 + this.bits(zeros);
  }

  se(): number {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -k / 2;
  }
}
