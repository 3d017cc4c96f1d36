import { invalid } from './errors.js';
import { refuseEmpty } from './refuse-empty.js';

/** 9999-12-31T23:59:59.999Z: the last instant an ISO 8601 answer (and a bigint column) can carry. */
export const LAST_INSTANT = 253_402_300_799_999;

/**
 * Fewest digits a string of epoch milliseconds must have: 1973-03-03 onwards. Shorter digit
 * strings are refused, not guessed at: "2030" is a year, "20300102" a date, "1780000000" epoch
 * seconds, and none of them means that many milliseconds after 1970.
 */
export const EPOCH_DIGITS_MIN = 12;

/** ISO 8601 extended format: a date, or a date-time with an optional fraction and offset. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
const DIGITS = /^\d+$/;

const DATE_TIME = 'an ISO 8601 date-time such as 2026-01-31T09:00:00Z (UTC when it has no offset) or epoch milliseconds (a whole number)';
const DATE_OR_TIME = 'an ISO 8601 date-time such as 2026-01-31T09:00:00Z or a date such as 2026-01-31 (UTC when it has no offset), or epoch milliseconds (a whole number)';

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number) => [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];

export interface InstantOptions {
  /** A date alone (`2026-01-31`) is midnight UTC; without this, a time of day is required. */
  dates?: boolean;
}

/**
 * Reads a point in time, strictly: ISO 8601 (checked against the calendar: no `2027-02-30`
 * rolled into March, no 24:00), epoch milliseconds as a JSON number or as a string of at least
 * EPOCH_DIGITS_MIN digits, between 1970 and 9999. Anything Date.parse would guess at
 * (`1/2/2030`, `Tue, 01 Jan 2030`, a year alone) is refused, naming the field.
 */
export function readInstant(field: string, v: unknown, opts: InstantOptions = {}): number {
  const what = opts.dates ? DATE_OR_TIME : DATE_TIME;
  let t: number;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw invalid(field, `must be ${what}; ${v} is not a whole number of milliseconds`);
    t = v;
  } else if (typeof v === 'string' && DIGITS.test(v)) {
    if (v.length < EPOCH_DIGITS_MIN) throw invalid(field, `must be ${what}; "${v}" is too short for epoch milliseconds (${EPOCH_DIGITS_MIN} digits or more), so it could be a year, a date or epoch seconds`);
    t = Number(v);
  } else if (typeof v === 'string') {
    t = fromIso(field, v, what, opts.dates === true);
  } else {
    throw invalid(field, `must be ${what}`);
  }
  // Out of range, the value would break every later answer that shows it (or overflow the column).
  if (!(t >= 0 && t <= LAST_INSTANT)) throw invalid(field, 'must be a date between 1970 and 9999');
  return t;
}

function fromIso(field: string, v: string, what: string, dates: boolean): number {
  const m = ISO.exec(v);
  if (!m) {
    // "…T09:00:00 01:00": an offset's "+" sent unencoded in a query string arrives as a space.
    const plusRead = ISO.test(v.replace(/ (\d{2}(?::?\d{2})?)$/, '+$1'));
    throw invalid(field, `must be ${what}; "${v.slice(0, 40)}" is not one${plusRead ? ` (a "+" in a query string is read as a space: write the offset's "+" as %2B)` : ''}`);
  }
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  // Refused, not rolled over into the next month as Date.parse would.
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) throw invalid(field, `"${v.slice(0, 40)}" is not a day of the calendar`);
  if (h === undefined) {
    if (!dates) throw invalid(field, `must be ${what}; give a time of day too, e.g. ${y}-${mo}-${d}T00:00:00Z`);
    return utc(year, month, day, 0, 0, 0, 0);
  }
  const [hour, minute, second] = [Number(h), Number(mi), Number(s ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) throw invalid(field, `"${v.slice(0, 40)}" is not a time of day (00:00:00 to 23:59:59)`);
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  return utc(year, month, day, hour, minute, second, ms) - offsetMs(field, v, offset);
}

function offsetMs(field: string, v: string, offset: string | undefined): number {
  if (offset === undefined || offset === 'Z' || offset === 'z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const [hours, minutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2) || 0)];
  if (hours > 23 || minutes > 59) throw invalid(field, `"${v.slice(0, 40)}" has no valid offset from UTC`);
  return (offset[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}

function utc(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const d = new Date(0);
  // setUTCFullYear takes years below 100 as they are (Date.UTC would add 1900).
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

/**
 * A point in time as a filter gives it (a query string, or `since`/`until` in a body): readInstant
 * with dates allowed (midnight UTC). Undefined when absent or empty.
 */
export function parseInstant(field: string, v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  return readInstant(field, v, { dates: true });
}

/**
 * `since` and `until` of a filter: each as parseInstant reads it, and `until` after `since` when
 * both are given (an inverted range would find nothing, silently: a mistake, said as one).
 * `until` defaults to `untilDefault` when given.
 */
export function parseTimeRange(since: unknown, until: unknown, untilDefault?: number): { since: number | undefined; until: number | undefined } {
  // "" bounds nothing: taken as left out, a bulk replay's `until: ""` went up to now.
  for (const [field, v] of [['since', since], ['until', until]] as const) refuseEmpty(field, v);
  const s = parseInstant('since', since);
  const u = parseInstant('until', until) ?? untilDefault;
  if (s !== undefined && u !== undefined && u <= s) throw invalid('until', `must be after since (${new Date(s).toISOString()}): the range from ${new Date(s).toISOString()} to ${new Date(u).toISOString()} holds nothing`);
  return { since: s, until: u };
}

/**
 * A moment as a person reads it in a message, in UTC: "2026-01-31 09:00:05 UTC". Messages reach
 * the admin UI as they are; ISO 8601's "T…Z" and milliseconds belong in `details`, for programs.
 */
export function spokenInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
