import type { SenderInfo } from './reports';

/**
 * The RTP timestamp, in the timeline of the stream `to` reports on, of the moment that has
 * timestamp `ts` in the stream `from` reports on. Both Sender Reports must come from one sender's
 * clock (the simulcast layers of one publisher do): each ties its stream's RTP timestamps to that
 * clock's NTP time, so together they tie the two timelines. Numbers only, nothing allocated.
 */
export function mapTimestampBySenderReports(ts: number, from: SenderInfo, to: SenderInfo, clockRate: number): number {
  const ntpSeconds = from.ntpSeconds - to.ntpSeconds + (from.ntpFraction - to.ntpFraction) / 0x100000000;
  return (to.rtpTimestamp + ((ts - from.rtpTimestamp) | 0) + Math.round(ntpSeconds * clockRate)) >>> 0;
}
