import { describe, expect, it } from 'vitest';
import { instant, LAST_INSTANT } from '../../src/core/kernel/validate.js';

/** Points in time as every entry point takes them (sendAt, expireAt, an API key's expiresAt). */
describe('instant', () => {
  it('takes ISO 8601 with an offset and epoch milliseconds', () => {
    expect(instant('t', '2026-02-28T23:00:00Z')).toBe(Date.UTC(2026, 1, 28, 23));
    expect(instant('t', '2028-02-29T10:00:00+02:00')).toBe(Date.UTC(2028, 1, 29, 8));
    expect(instant('t', 0)).toBe(0);
    expect(instant('t', LAST_INSTANT)).toBe(LAST_INSTANT);
    expect(instant('t', undefined)).toBeUndefined();
  });

  it('refuses a day the month does not have instead of rolling it over, naming the field', () => {
    for (const v of ['2026-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-01-00T00:00:00Z']) {
      expect(() => instant('sendAt', v), v).toThrowError(expect.objectContaining({ code: 'MAILROOM_E_VALIDATION', details: { field: 'sendAt' } }));
    }
  });

  it('refuses what is not a date, or outside 1970 to 9999', () => {
    for (const v of ['tomorrow', '2026-01-01', -1, LAST_INSTANT + 1, 1.5, true, '']) {
      expect(() => instant('expiresAt', v), String(v)).toThrowError(expect.objectContaining({ details: { field: 'expiresAt' } }));
    }
  });
});
