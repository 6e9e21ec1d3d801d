/** One m-line of a subscriber offer: which participant's track arrives on `mid`. */
export interface MidEntry {
  readonly mid: string;
  readonly trackId: string;
  readonly participantId: string;
}

export interface MidReconcileResult<T extends MidEntry> {
  /** The new mid → slot table (unchanged slots are carried over as the same objects). */
  readonly next: Map<string, T>;
  /** Slots no longer offered, or whose mid now carries a different track. */
  readonly removed: T[];
}

/**
 * Applies a subscriber offer's `tracks` to the current mid table. A slot survives when its mid
 * still carries the same track of the same participant; everything else is removed or created.
 */
export function reconcileMids<T extends MidEntry>(
  current: ReadonlyMap<string, T>,
  offered: readonly MidEntry[],
  create: (entry: MidEntry) => T,
): MidReconcileResult<T> {
  const next = new Map<string, T>();
  for (const entry of offered) {
    const existing = current.get(entry.mid);
    const keep = existing && existing.trackId === entry.trackId && existing.participantId === entry.participantId;
    next.set(entry.mid, keep ? existing : create({ mid: entry.mid, trackId: entry.trackId, participantId: entry.participantId }));
  }
  const removed: T[] = [];
  for (const [mid, slot] of current) {
    if (next.get(mid) !== slot) removed.push(slot);
  }
  return { next, removed };
}
