/**
 * A source's timestamps this far ahead of where arrival times place them (ms) are not believed:
 * the sender started a new timeline (restart, new SSRC, a timestamp jump); nothing arrives before
 * it is captured. A mute keeps the capture clock running, so its gap stays well inside this ...
 */
const RESYNC_AHEAD_MS = 1000;
/**
 * ... while frames may arrive this much later than their timestamps place them and keep their
 * capture times: a sender or a server that stood still (a busy CPU) delivers what it captured
 * meanwhile in a burst. Placed by arrival, every track of the call gained the stall as a gap
 * (measured: a second of a 43 s recording). Beyond it, a new timeline that happens to lag.
 */
const RESYNC_BEHIND_MS = 5000;
/**
 * A start from Sender Reports is believed only this much before the first frame's arrival (a key
 * frame paced out over a slow uplink arrives a few hundred ms after its capture) and not after
 * it, beyond the estimate's noise: a sender whose reports do not match its packets (seen: a
 * library that stamps whole seconds) is placed by arrival instead.
 */
const MAX_REPORTED_EARLIER_MS = 500;
const MAX_REPORTED_LATER_MS = 20;

/**
 * Two Sender Reports of one track whose NTP times and RTP timestamps advance by more than this
 * apart (ms) do not describe one capture clock: seen from a library that writes the NTP fraction
 * wrong, which does so in most reports. Such a sender's tracks are placed by arrival. A browser
 * starved of CPU sends the odd report off by a burst's delay (its audio thread stamps late), so one
 * pair in three may disagree. (How late a report arrives says nothing about the sender: a busy
 * machine queues some by hundreds of ms, and the estimate takes the fastest.)
 */
const MAX_REPORT_DISAGREEMENT_MS = 50;
/** A track's start is the median of what its last few Sender Reports say, so one odd report does not move it. */
const START_ESTIMATES = 5;

/**
 * The offset between one publisher's sender clock (the NTP time in its Sender Reports) and the
 * recording's clock, shared by all that publisher's tracks: their Sender Reports tie each track's
 * RTP timestamps to that one clock, so through this offset its camera and microphone line up as
 * they were captured, whatever delay each had on the way. Estimated as the smallest
 * (arrival - NTP time) seen: the report that travelled fastest.
 */
export class SenderClock {
  private minOffsetMs = Number.NaN;
  private agreeing = 0;
  private disagreeing = 0;

  /** Recording clock minus sender clock, ms; NaN until a Sender Report arrives, or if the sender's reports contradict themselves. */
  get offsetMs(): number {
    return this.disagreeing * 2 <= this.agreeing ? this.minOffsetMs : Number.NaN;
  }

  onSenderReport(ntpMs: number, arrivalMs: number): void {
    const offset = arrivalMs - ntpMs;
    if (Number.isNaN(this.minOffsetMs) || offset < this.minOffsetMs) this.minOffsetMs = offset;
  }

  /** Two successive reports of a track agree (or not) on how its capture clock runs: a sender whose reports disagree too often is not used. */
  reportsAgree(agree: boolean): void {
    if (agree) this.agreeing++;
    else this.disagreeing++;
  }
}

/**
 * Places one track's frames on two timelines: the file's (ms from the track's first frame, from
 * the RTP timestamps, so the spacing is the capture spacing), and the recording's common clock
 * (epoch ms), where the track starts at `startMs`.
 *
 * The start is the first frame's arrival until the publisher's Sender Reports give better: the
 * first frame's capture time on the sender's clock, moved onto ours by the publisher's
 * SenderClock. A new timeline at the source (see RESYNC_AHEAD_MS, or reset() on a new SSRC) continues
 * the file where arrival times place it, never before the last frame.
 */
export class TrackClock {
  /** Common clock (epoch ms) of the first frame, by arrival; NaN before it. */
  private arrivalStartMs = Number.NaN;
  /** The first frame's RTP timestamp, unwrapped; the current timeline's anchor. */
  private firstTs = 0;
  private segmentTs = 0;
  private segmentFileMs = 0;
  private lastTs = 0;
  private lastFileMs = 0;
  private started = false;
  private segmentStarted = false;
  /** The Sender Report's NTP time (ms) of the first frame; NaN until one maps it. */
  private firstNtpMs = Number.NaN;
  /** What the last START_ESTIMATES reports said of it (firstNtpMs is their median). */
  private readonly firstNtpEstimates: number[] = [];
  /** The last Sender Report, to check the next one against (one capture clock advances both alike). */
  private lastReport: { ntpMs: number; rtpTs: number } | null = null;

  constructor(
    private readonly clockRate: number,
    private readonly sender: SenderClock,
  ) {}

  /** Where the track starts on the common clock (NaN before its first frame). */
  get startMs(): number {
    return this.startByReports ? this.firstNtpMs + this.sender.offsetMs : this.arrivalStartMs;
  }

  /** The start comes from the publisher's Sender Reports (else from the first frame's arrival). */
  get startByReports(): boolean {
    const reported = this.firstNtpMs + this.sender.offsetMs; // NaN unless both are known
    const arrival = this.arrivalStartMs;
    return reported >= arrival - MAX_REPORTED_EARLIER_MS && reported <= arrival + MAX_REPORTED_LATER_MS;
  }

  /** The file timeline's last frame, ms. */
  get lastMs(): number {
    return this.lastFileMs;
  }

  /** The next frame starts a new timeline (the source's SSRC changed). */
  reset(): void {
    this.segmentStarted = false;
  }

  /** A frame with RTP timestamp `rtpTs` whose first packet arrived at `arrivalMs` (common clock): its time in the file. */
  frameTime(rtpTs: number, arrivalMs: number): number {
    if (!this.started) {
      this.started = true;
      this.segmentStarted = true;
      this.arrivalStartMs = arrivalMs;
      this.firstTs = this.segmentTs = this.lastTs = rtpTs;
      this.segmentFileMs = this.lastFileMs = 0;
      return 0;
    }
    const byArrival = arrivalMs - this.arrivalStartMs;
    if (this.segmentStarted) {
      const ts = this.lastTs + ((rtpTs - (this.lastTs >>> 0)) | 0);
      const fileMs = this.segmentFileMs + ((ts - this.segmentTs) * 1000) / this.clockRate;
      if (fileMs - byArrival < RESYNC_AHEAD_MS && byArrival - fileMs < RESYNC_BEHIND_MS && fileMs >= this.lastFileMs) {
        this.lastTs = ts;
        this.lastFileMs = fileMs;
        return fileMs;
      }
    }
    this.segmentStarted = true;
    this.segmentTs = this.lastTs = rtpTs;
    this.segmentFileMs = this.lastFileMs = Math.max(byArrival, this.lastFileMs + 1);
    return this.lastFileMs;
  }

  /**
   * A Sender Report of this track: `ntpMs` on the sender's clock is `rtpTs` on the track's.
   * Maps the first frame onto the sender's clock (while the first timeline lasts).
   */
  onSenderReport(ntpMs: number, rtpTs: number, arrivalMs: number): void {
    this.sender.onSenderReport(ntpMs, arrivalMs);
    const last = this.lastReport;
    if (last !== null) {
      const byRtp = (((rtpTs - last.rtpTs) | 0) * 1000) / this.clockRate;
      this.sender.reportsAgree(Math.abs(ntpMs - last.ntpMs - byRtp) <= MAX_REPORT_DISAGREEMENT_MS);
    }
    this.lastReport = { ntpMs, rtpTs };
    // Only while the first timeline lasts, and well inside the 32-bit timestamp's half range.
    if (!this.started || this.segmentTs !== this.firstTs || this.segmentFileMs !== 0 || this.lastTs - this.firstTs > 2 ** 30) return;
    const estimates = this.firstNtpEstimates;
    estimates.push(ntpMs - (((rtpTs - (this.firstTs >>> 0)) | 0) * 1000) / this.clockRate);
    if (estimates.length > START_ESTIMATES) estimates.shift();
    this.firstNtpMs = median(estimates);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
