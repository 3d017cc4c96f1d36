import { describe, expect, it } from 'vitest';
import { changesBetween } from '../../web/src/features/audit/changes.js';
import { formatDate } from '../../web/src/format.js';

/** Audit details say dates and durations in words, not as the ISO strings and second counts stored. */
describe('audit change words', () => {
  it('says an ISO date under an …At key as a date, as it does a number', () => {
    const at = '2026-12-07T11:57:37.508Z';
    const [c] = changesBetween({}, { rotationEndsAt: at }, {});
    expect(c).toEqual({ field: 'rotation ends at', after: formatDate(at) });
    expect(c?.after).not.toContain('T11:57');
  });

  it('keeps a text under an …At key that is not a date as it is', () => {
    expect(changesBetween({}, { lookAt: 'the sky' }, {})).toEqual([{ field: 'look at', after: 'the sky' }]);
  });

  it('says a …Sec value as a duration, without "sec" in the field name', () => {
    expect(changesBetween({ graceSec: 60 }, { graceSec: 3600 }, {})).toEqual([{ field: 'grace', before: '1 min', after: '1 h' }]);
    expect(changesBetween({}, { retry: { backoffSec: [5, 30, 300] } }, {})).toEqual([{ field: 'retry › backoff', after: '5 s, 30 s, 5 min' }]);
  });
});
