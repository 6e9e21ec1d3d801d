/** Readable random room names (`calm-otter-42`), initials and avatar colours for display names. */

const ADJECTIVES = [
  'amber', 'bold', 'brave', 'bright', 'brisk', 'calm', 'clever', 'cosy', 'crisp', 'daring',
  'eager', 'fancy', 'gentle', 'glad', 'golden', 'happy', 'jolly', 'keen', 'kind', 'lively',
  'lucky', 'mellow', 'merry', 'mighty', 'misty', 'noble', 'plucky', 'polite', 'proud', 'quick',
  'quiet', 'rapid', 'royal', 'rustic', 'shiny', 'silver', 'sleek', 'snappy', 'sunny', 'swift',
  'tidy', 'vivid', 'warm', 'wise', 'witty', 'zesty',
];

const ANIMALS = [
  'badger', 'beaver', 'bison', 'crane', 'dolphin', 'eagle', 'falcon', 'ferret', 'finch', 'fox',
  'gecko', 'heron', 'ibis', 'koala', 'lark', 'lemur', 'lynx', 'marten', 'moose', 'narwhal',
  'ocelot', 'orca', 'otter', 'owl', 'panda', 'parrot', 'pelican', 'puffin', 'quokka', 'raven',
  'robin', 'seal', 'sparrow', 'stork', 'swan', 'tapir', 'tiger', 'toucan', 'walrus', 'wombat',
  'wren', 'yak', 'zebra',
];

function pick<T>(items: readonly T[], rand: () => number): T {
  return items[Math.floor(rand() * items.length) % items.length] as T;
}

/** A room name like `calm-otter-42`; always valid under the room-name rule. */
export function randomRoomName(rand: () => number = Math.random): string {
  const n = 10 + Math.floor(rand() * 90);
  return `${pick(ADJECTIVES, rand)}-${pick(ANIMALS, rand)}-${Math.min(n, 99)}`;
}

/** Up to two letters for an avatar: "Ada Lovelace" -> "AL", "bob" -> "B". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words.slice(0, 1);
  const result = letters.map((w) => Array.from(w ?? '')[0] ?? '').join('').toUpperCase();
  return result || '?';
}

/** A stable hue (0-359) per name, so a person keeps their avatar colour. */
export function hueForName(name: string): number {
  let hash = 2166136261;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % 360;
}

/** Display names: 1-64 characters after trimming, no control characters. Returns a problem or null. */
export function displayNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'Please enter your name.';
  if (trimmed.length > 64) return 'Names can be at most 64 characters.';
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return 'Names cannot contain control characters.';
  return null;
}

export const ROOM_NAME_RULE = 'Room names use 1–64 letters, digits, “-”, “_” or “.” (no spaces).';
