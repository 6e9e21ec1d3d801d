import type { BanList } from '../rooms/Admission';

/** One node's bans, in memory; expired ones are dropped as they are looked up. */
export class LocalBans implements BanList {
  private readonly until = new Map<string, number>();

  async ban(room: string, identity: string, seconds: number): Promise<void> {
    this.until.set(key(room, identity), Date.now() + seconds * 1000);
  }

  async isBanned(room: string, identity: string): Promise<boolean> {
    const k = key(room, identity);
    const until = this.until.get(k);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(k);
    return false;
  }
}

function key(room: string, identity: string): string {
  return JSON.stringify([room, identity]);
}
