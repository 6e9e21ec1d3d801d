/**
 * Who is speaking in a room, and who holds the floor, from the per-interval audio levels the media
 * plane measures (RFC 6464, ~every 100 ms). Pure: time is passed in.
 *
 * - Speaking: a participant's level, smoothed (fast attack, slower release), above a floor.
 * - Dominant speaker: stable on purpose, in the spirit of Jitsi's DominantSpeakerIdentification.
 *   With nobody holding the floor, the first one to speak for ACQUIRE_MS takes it. Otherwise a
 *   challenger must be in a run of speech and lead the holder (a higher level over the last ~0.5 s,
 *   or the holder silent) for SWITCH_MS without a break: a 200 ms cough never takes the stage, a
 *   second of speech does. The floor stays with the last speaker through silence.
 */

export interface SpeakerLevel<Id> {
  id: Id;
  /** Share of the interval's packets with voice, 0..1. */
  voiced: number;
  /** Mean level of those packets, 0..1. */
  level: number;
}

export interface ActiveSpeakers<Id> {
  /** Loudest first. */
  speakers: { id: Id; level: number }[];
  dominant: Id | null;
}

export interface SpeakerDetectorOptions {
  /** A run of speech this long takes a free floor. */
  acquireMs?: number;
  /** A challenger leading this long without a break takes the floor from its holder. */
  switchMs?: number;
}

/** An interval with at least this share of voiced packets counts as speech. */
const VOICED_INTERVAL = 0.5;
/** A run of speech survives pauses shorter than this (between words). */
const RUN_GAP_MS = 350;
/** Smoothing time constants of the displayed level: quick to rise, slower to fall (no flicker between words). */
const ATTACK_MS = 60;
const RELEASE_MS = 300;
/** Time constant of the level compared between challenger and holder. */
const FLOOR_LEVEL_MS = 500;
/** Shown as speaking above this smoothed level. */
const SPEAKING_LEVEL = 0.02;
/** A level the challenger must beat the holder by to count as leading. */
const LEAD_MARGIN = 0.02;

class Speaker {
  /** What the active_speakers list shows. */
  shown = 0;
  /** What floor decisions compare. */
  floor = 0;
  /** The current run of speech: when it began, when it was last heard; -1 when there is none. */
  runStart = -1;
  lastVoiced = -Infinity;
  lastUpdate: number;

  constructor(nowMs: number) {
    this.lastUpdate = nowMs;
  }

  inRun(nowMs: number): boolean {
    return this.runStart >= 0 && nowMs - this.lastVoiced <= RUN_GAP_MS;
  }

  runMs(nowMs: number): number {
    return this.inRun(nowMs) ? this.lastVoiced - this.runStart : 0;
  }
}

function smooth(current: number, target: number, dtMs: number, tauMs: number): number {
  return current + (target - current) * (1 - Math.exp(-dtMs / tauMs));
}

export class ActiveSpeakerDetector<Id> {
  private readonly speakers = new Map<Id, Speaker>();
  private dominant: Id | null = null;
  private challenger: Id | null = null;
  private leadingSince = 0;
  private readonly acquireMs: number;
  private readonly switchMs: number;

  constructor(options: SpeakerDetectorOptions = {}) {
    this.acquireMs = options.acquireMs ?? 400;
    this.switchMs = options.switchMs ?? 700;
  }

  get dominantSpeaker(): Id | null {
    return this.dominant;
  }

  /**
   * One interval's levels. Participants absent from `samples` sent no voice in it and fall
   * silent. Returns true if the dominant speaker changed.
   */
  observe(samples: readonly SpeakerLevel<Id>[], nowMs: number): boolean {
    const heard = new Set<Id>();
    for (const sample of samples) {
      heard.add(sample.id);
      let speaker = this.speakers.get(sample.id);
      if (speaker === undefined) {
        speaker = new Speaker(nowMs);
        this.speakers.set(sample.id, speaker);
      }
      const voiced = sample.voiced >= VOICED_INTERVAL;
      // The interval's energy, as it were: a half-voiced interval counts half.
      this.update(speaker, voiced ? Math.min(1, Math.max(0, sample.level)) * Math.min(1, sample.voiced) : 0, nowMs);
      if (voiced) {
        if (!speaker.inRun(nowMs)) speaker.runStart = nowMs;
        speaker.lastVoiced = nowMs;
      }
    }
    for (const [id, speaker] of this.speakers) if (!heard.has(id)) this.update(speaker, 0, nowMs);
    return this.decide(nowMs);
  }

  /** A participant left (or stopped publishing audio): off the list, and off the floor. */
  remove(id: Id): boolean {
    this.speakers.delete(id);
    if (this.challenger === id) this.challenger = null;
    if (this.dominant !== id) return false;
    this.dominant = null;
    return true;
  }

  /** Speakers now (loudest first, levels rounded to 0.01) and the dominant speaker. */
  current(): ActiveSpeakers<Id> {
    const speakers: { id: Id; level: number }[] = [];
    for (const [id, speaker] of this.speakers) {
      if (speaker.shown >= SPEAKING_LEVEL) speakers.push({ id, level: Math.min(1, Math.round(speaker.shown * 100) / 100) });
    }
    speakers.sort((a, b) => b.level - a.level);
    return { speakers, dominant: this.dominant };
  }

  private update(speaker: Speaker, level: number, nowMs: number): void {
    const dt = Math.max(0, nowMs - speaker.lastUpdate);
    speaker.lastUpdate = nowMs;
    speaker.shown = smooth(speaker.shown, level, dt, level > speaker.shown ? ATTACK_MS : RELEASE_MS);
    speaker.floor = smooth(speaker.floor, level, dt, FLOOR_LEVEL_MS);
  }

  private decide(nowMs: number): boolean {
    const holder = this.dominant === null ? undefined : this.speakers.get(this.dominant);
    if (holder === undefined) {
      // A free floor: the longest run of speech takes it once it is long enough.
      let best: Id | null = null;
      let bestRun = 0;
      for (const [id, speaker] of this.speakers) {
        const run = speaker.runMs(nowMs);
        if (run > bestRun) {
          best = id;
          bestRun = run;
        }
      }
      if (best === null || bestRun < this.acquireMs) return false;
      this.dominant = best;
      this.challenger = null;
      return true;
    }
    // The strongest challenger in a run of speech that leads the holder.
    const holderSpeaking = holder.inRun(nowMs);
    let leader: Id | null = null;
    let leaderFloor = -1;
    for (const [id, speaker] of this.speakers) {
      if (id === this.dominant || !speaker.inRun(nowMs)) continue;
      const leads = !holderSpeaking || speaker.floor > holder.floor + LEAD_MARGIN;
      if (leads && speaker.floor > leaderFloor) {
        leader = id;
        leaderFloor = speaker.floor;
      }
    }
    if (leader === null) {
      this.challenger = null;
      return false;
    }
    if (leader !== this.challenger) {
      // A new challenger: its lead counts from the start of its run if the holder was silent all along.
      this.challenger = leader;
      const run = this.speakers.get(leader)!;
      this.leadingSince = holderSpeaking ? nowMs : Math.max(run.runStart, holder.lastVoiced);
    }
    if (nowMs - this.leadingSince < this.switchMs) return false;
    this.dominant = leader;
    this.challenger = null;
    return true;
  }
}
