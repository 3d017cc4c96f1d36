import { randomFillSync } from 'node:crypto';
import { invalid, type MailroomError } from './errors.js';

/**
 * Identifiers are ULIDs with a short type prefix: time-ordered (so cursor pagination and
 * "newest first" are index scans) and unambiguous in logs ("msg_…" is always a message).
 *
 * `prefix_` + 26 lower-case Crockford base32 characters: 48 bits of milliseconds, then 80
 * random bits. Within one millisecond (or if the clock steps back) the random part of the
 * previous id is incremented, so ids made by this process always sort in creation order.
 * Hand-written instead of the `ulid` package's monotonic factory, which asks the CSPRNG once
 * per character: here random bytes come from a pooled buffer, 10 bytes per new millisecond.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TWO40 = 2 ** 40;
const MAX_TIME = 2 ** 48 - 1;

const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;

function read40(): number {
  if (poolAt + 5 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const v = pool.readUIntBE(poolAt, 5);
  poolAt += 5;
  return v;
}

function encode(n: number, chars: number): string {
  let s = '';
  for (let i = 0; i < chars; i++) {
    s = ALPHABET[n % 32] + s;
    n = Math.floor(n / 32);
  }
  return s;
}

/**
 * An id maker with its own clock: its ids sort in the order it made them. The process has one
 * (`newId`); a test that must see the first id of a fresh process makes its own.
 */
export function idFactory(): (prefix: string, now?: number) => string {
  let lastTime = -1;
  /** The 80 random bits as two 40-bit halves (each exact in a double). */
  let hi = 0;
  let lo = 0;
  return (prefix, now = Date.now()) => {
    if (!Number.isInteger(now) || now < 0 || now > MAX_TIME) throw new RangeError(`newId: time ${now} is not a 48-bit millisecond timestamp`);
    if (now > lastTime) {
      lastTime = now;
      hi = read40();
      lo = read40();
    } else if (++lo === TWO40) {
      // Same (or an earlier) millisecond: the next id in order. 2^80 overflows never happen in practice.
      lo = 0;
      if (++hi === TWO40) throw new RangeError('newId: random part exhausted within one millisecond');
    }
    return `${prefix}_${encode(lastTime, 10)}${encode(hi, 8)}${encode(lo, 8)}`;
  };
}

/** The id maker behind newId (made again by restartIdClock). */
let processIds = idFactory();

/** This process's ids. */
export const newId = (prefix: string, now?: number): string => processIds(prefix, now);

/**
 * Starts this process's id clock afresh: the ids made after it sort by their own time again, not
 * after the latest id made so far. For test files that share one process (vitest's `isolate:
 * false`) and each run a clock of their own: a file whose clock ran 40 days ahead left the next
 * files' message ids 40 days ahead, and the retention, which finds old messages by the time in
 * their ids, found none of theirs. A running Mailroom never calls it: its ids keep their order.
 */
export function restartIdClock(): void {
  processIds = idFactory();
}

/** An id every id newId(prefix) made before `time` sorts below (the time part comes first). */
export function idsBefore(prefix: string, time: number): string {
  return `${prefix}_${encode(Math.max(0, Math.min(MAX_TIME, Math.floor(time))), 10)}`;
}

/** True for an id newId(prefix) could have made. */
export function isId(prefix: string, value: string): boolean {
  return value.length === prefix.length + 27 && value.startsWith(`${prefix}_`) && /^[0-9a-hjkmnp-tv-z]{26}$/.test(value.slice(prefix.length + 1));
}

/**
 * A list's filter on an id (`accountId=…`) given text no id of that kind can be: refused, where
 * an empty page would read as "nothing there" (a name or an address given for an id, a typo).
 * A well-formed id of something deleted since still filters: its messages may remain.
 */
export function assertIdFilter(field: string, prefix: string, kind: string, value: string | undefined): void {
  if (value !== undefined && !isId(prefix, value)) throw invalid(field, `"${value}" is not ${kind} id: give the id (${prefix}_ and 26 characters, as the API shows it)`);
}

/**
 * A list cursor is the id of the last item of the previous page. Anything else is refused,
 * rather than silently starting again at page one (or comparing garbage against ids).
 */
export function assertCursor(prefix: string, cursor: string | undefined): void {
  if (cursor !== undefined && !isId(prefix, cursor)) throw foreignCursor();
}

/** The refusal of a cursor a list did not return, in the words every list uses. */
export function foreignCursor(): MailroomError {
  return invalid('cursor', 'is not a cursor this list returned (use the nextCursor of the previous page, or leave it out for the first page)');
}
