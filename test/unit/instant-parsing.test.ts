import { describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/core/kernel/instants.js';
import { instant, LAST_INSTANT } from '../../src/core/kernel/validate.js';

const refused = (field: string) => expect.objectContaining({ code: 'MAILROOM_E_VALIDATION', details: { field } });

/**
 * Filters (`since`, `until`) and bodies (`expiresAt`, `sendAt` …) read points in time the same
 * way: ISO 8601 checked against the calendar, epoch milliseconds only where they cannot be
 * mistaken for something else.
 */
describe('parseInstant (filters: since, until)', () => {
  it('takes ISO 8601 date-times with or without an offset (none: UTC), and dates as midnight UTC', () => {
    expect(parseInstant('since', '2027-02-28T23:00:00Z')).toBe(Date.UTC(2027, 1, 28, 23));
    expect(parseInstant('since', '2028-02-29T10:00:00.250+02:00')).toBe(Date.UTC(2028, 1, 29, 8, 0, 0, 250));
    expect(parseInstant('since', '2028-02-29t10:00:00z')).toBe(Date.UTC(2028, 1, 29, 10));
    expect(parseInstant('since', '2028-02-29T10:00-0130')).toBe(Date.UTC(2028, 1, 29, 11, 30));
    expect(parseInstant('since', '2028-02-29T10:00:00')).toBe(Date.UTC(2028, 1, 29, 10));
    expect(parseInstant('since', '2027-03-01')).toBe(Date.UTC(2027, 2, 1));
    expect(parseInstant('since', '9999-12-31T23:59:59.999Z')).toBe(LAST_INSTANT);
  });

  it('takes epoch milliseconds as a JSON number, or as a string of 12 digits or more', () => {
    expect(parseInstant('since', 0)).toBe(0);
    expect(parseInstant('since', 1_780_000_000_000)).toBe(1_780_000_000_000);
    expect(parseInstant('since', '1780000000000')).toBe(1_780_000_000_000);
    expect(parseInstant('since', '100000000000')).toBe(100_000_000_000);
  });

  it('is absent when not given', () => {
    expect(parseInstant('since', undefined)).toBeUndefined();
    expect(parseInstant('since', null)).toBeUndefined();
    expect(parseInstant('since', '')).toBeUndefined();
  });

  it('refuses a day the month does not have instead of rolling it over', () => {
    for (const v of ['2027-02-30', '2027-02-29', '2027-04-31', '2027-13-01', '2027-00-10', '2027-01-00', '2027-02-30T00:00:00Z']) {
      expect(() => parseInstant('since', v), v).toThrowError(refused('since'));
    }
  });

  it('refuses a year alone, short digit strings and what is not ISO 8601, saying what is accepted', () => {
    for (const v of ['2030', '0', '20300102', '1780000000', '1/2/2030', 'Tue, 01 Jan 2030 00:00:00 GMT', 'January 1, 2030', '2030-01-01 00:00:00 GMT', '2030-1-2', 'tomorrow', ' 2030-01-01', '2030-01-01T24:00:00Z', '2030-01-01T10:60:00Z', '2030-01-01T10:00:60Z', '2030-01-01T10:00:00+24:00', '+002030-01-01T00:00:00Z']) {
      expect(() => parseInstant('until', v), v).toThrowError(refused('until'));
    }
    expect(() => parseInstant('until', '2030')).toThrowError(/ISO 8601/);
    expect(() => parseInstant('until', '2030')).toThrowError(/12 digits/);
  });

  it('says that an offset\'s "+" sent unencoded in a query string arrived as a space', () => {
    for (const v of ['2026-12-08T02:40:00 01:00', '2026-12-08T02:40 0100', '2026-12-08T02:40:00.5 01']) {
      expect(() => parseInstant('since', v), v).toThrowError(`since: must be an ISO 8601 date-time such as 2026-01-31T09:00:00Z or a date such as 2026-01-31 (UTC when it has no offset), or epoch milliseconds (a whole number); "${v}" is not one (a "+" in a query string is read as a space: write the offset's "+" as %2B)`);
    }
    // Other spaces are not taken for one.
    expect(() => parseInstant('since', '2030-01-01 00:00:00')).toThrowError(/is not one$/);
  });

  it('refuses what no answer could show: before 1970, after 9999, fractions of a millisecond', () => {
    for (const v of [-1, LAST_INSTANT + 1, 1.5, '99999999999999999999', '1969-12-31T23:59:59Z', Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => parseInstant('since', v), String(v)).toThrowError(refused('since'));
    }
    expect(() => parseInstant('since', 1.5)).toThrowError(/whole number/);
  });

  it('names what is accepted for a value of another type', () => {
    for (const v of [true, {}, []]) expect(() => parseInstant('expiresAt', v)).toThrowError(/ISO 8601 date-time .*epoch milliseconds/);
  });
});

describe('instant (bodies: sendAt, expireAt, an API key’s expiresAt, occurredAt)', () => {
  it('reads like parseInstant, but wants a time of day', () => {
    expect(instant('sendAt', '2027-03-01T00:00:00Z')).toBe(Date.UTC(2027, 2, 1));
    expect(instant('sendAt', '1780000000000')).toBe(1_780_000_000_000);
    expect(() => instant('sendAt', '2027-03-01')).toThrowError(refused('sendAt'));
    expect(() => instant('sendAt', '2027-03-01')).toThrowError(/time/);
    for (const v of ['2030', '1/2/2030', '2027-02-30T00:00:00Z', 'Tue, 01 Jan 2030 00:00:00 GMT', '']) {
      expect(() => instant('sendAt', v), v).toThrowError(refused('sendAt'));
    }
  });
});
