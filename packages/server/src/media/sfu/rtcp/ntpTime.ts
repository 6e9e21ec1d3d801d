/** NTP timestamps (RFC 5905: seconds since 1900 and a 32-bit fraction) of the wall clock. */

const NTP_EPOCH_OFFSET_SECONDS = 2_208_988_800;

export interface NtpTime {
  seconds: number;
  fraction: number;
}

/** `performance.now()`-based wall time (monotonic within the process) as NTP. */
export function ntpTime(nowMs: number, out: NtpTime): NtpTime {
  const ms = performance.timeOrigin + nowMs;
  const whole = Math.floor(ms / 1000);
  out.seconds = (whole + NTP_EPOCH_OFFSET_SECONDS) >>> 0;
  out.fraction = Math.floor(((ms - whole * 1000) / 1000) * 0x100000000) >>> 0;
  return out;
}
