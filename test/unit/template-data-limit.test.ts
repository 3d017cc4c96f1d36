import { describe, expect, it } from 'vitest';
import { MailroomError } from '../../src/core/kernel/errors.js';
import { TEMPLATE_LIMITS, templateData } from '../../src/core/templates/templates.js';

/** A message's `data` is at most 1 MiB as JSON: bytes of UTF-8, as api.md says, not characters. */
describe('template data limit', () => {
  const refusal = (v: unknown) => {
    try {
      templateData('data', v);
    } catch (e) {
      return e as MailroomError;
    }
    throw new Error('accepted');
  };
  // `{"big":"…"}` is 10 bytes around the text.
  const sized = (text: string) => ({ big: text });

  it('counts a three-byte character three times', () => {
    // 900,000 "€" are 900,000 characters and 2,700,000 bytes: refused (it was accepted).
    const e = refusal(sized('€'.repeat(900_000)));
    expect(e.code).toBe('MAILROOM_E_VALIDATION');
    expect(e.message).toBe('data: is 2,700,010 bytes as JSON; the limit is 1,048,576 (1 MiB)');
    expect(e.details).toEqual({ field: 'data', maxBytes: TEMPLATE_LIMITS.dataBytes });
  });

  it('takes exactly 1 MiB and refuses one byte more', () => {
    expect(templateData('data', sized('x'.repeat(1_048_576 - 10)))).toEqual(sized('x'.repeat(1_048_566)));
    expect(refusal(sized('x'.repeat(1_048_576 - 9))).message).toBe('data: is 1,048,577 bytes as JSON; the limit is 1,048,576 (1 MiB)');
  });
});
