import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ErrorCode, ProtocolError, type RoomAccess, type RoomSettings } from '@confab/protocol';

/** Wrong passwords a room takes within GUESS_WINDOW_MS before it refuses every guess for the rest of the window. */
const MAX_WRONG_GUESSES = 5;
const GUESS_WINDOW_MS = 60_000;

export interface StoredPassword {
  salt: string;
  hash: string;
}

/** How a room is set up when it opens: the node's defaults, or what the admin API asked for. */
export interface RoomSetup {
  maxParticipants: number;
  emptyTimeoutSeconds: number;
  locked?: boolean;
  lobby?: boolean;
  password?: string;
}

/**
 * Who may come into one room: locked, lobby, password, capacity, how long it stays open empty.
 * The password is kept only as a salted HMAC; wrong guesses are limited per room, so a password
 * can't be found by trying (a person who mistypes waits a minute at worst).
 */
export class RoomAccessState {
  locked: boolean;
  lobby: boolean;
  maxParticipants: number;
  emptyTimeoutSeconds: number;
  private password: StoredPassword | undefined;
  private wrongGuesses: number[] = [];

  constructor(setup: RoomSetup, restored?: StoredPassword) {
    this.locked = setup.locked ?? false;
    this.lobby = setup.lobby ?? false;
    this.maxParticipants = setup.maxParticipants;
    this.emptyTimeoutSeconds = setup.emptyTimeoutSeconds;
    this.password = restored;
    if (setup.password !== undefined) this.setPassword(setup.password);
  }

  get passwordProtected(): boolean {
    return this.password !== undefined;
  }

  get storedPassword(): StoredPassword | undefined {
    return this.password;
  }

  view(): RoomAccess {
    return { locked: this.locked, lobby: this.lobby, passwordProtected: this.passwordProtected };
  }

  settings(): RoomSettings {
    return { ...this.view(), maxParticipants: this.maxParticipants, emptyTimeoutSeconds: this.emptyTimeoutSeconds };
  }

  setPassword(password: string | null): void {
    if (password === null) {
      this.password = undefined;
      return;
    }
    const salt = randomBytes(16).toString('base64url');
    this.password = { salt, hash: digest(salt, password) };
    this.wrongGuesses = [];
  }

  /** Throws unless `given` is the password (or there is none). */
  checkPassword(given: string | undefined, nowMs = Date.now()): void {
    const stored = this.password;
    if (!stored) return;
    if (given === undefined) throw new ProtocolError(ErrorCode.PermissionDenied, 'this meeting needs a password', 'password_required');
    this.wrongGuesses = this.wrongGuesses.filter((t) => nowMs - t < GUESS_WINDOW_MS);
    if (this.wrongGuesses.length >= MAX_WRONG_GUESSES) {
      throw new ProtocolError(ErrorCode.RateLimited, 'too many wrong passwords for this meeting; wait a minute and try again');
    }
    const expected = Buffer.from(stored.hash);
    const actual = Buffer.from(digest(stored.salt, given));
    if (expected.length === actual.length && timingSafeEqual(expected, actual)) return;
    this.wrongGuesses.push(nowMs);
    throw new ProtocolError(ErrorCode.PermissionDenied, 'wrong password', 'password_wrong');
  }
}

function digest(salt: string, password: string): string {
  return createHmac('sha256', salt).update(password.normalize('NFC')).digest('base64url');
}
