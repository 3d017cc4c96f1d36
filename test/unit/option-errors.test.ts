import { describe, expect, it } from 'vitest';
import { inOptionTerms } from '../../src/cli/option-errors.js';
import { ErrorCodes, MailroomError } from '../../src/core/kernel/errors.js';

const OPTIONS = { idempotencyKey: '--idempotency-key', subject: '--subject' };
const said = (message: string, field: string) => (inOptionTerms(new MailroomError(ErrorCodes.IDEMPOTENCY_MISMATCH, message, { field }), OPTIONS) as Error).message;

describe('refusals said in the options of the command', () => {
  it('names the option for the field outside quotes, and leaves the value the caller sent as it was', () => {
    expect(said('idempotencyKey "nightly-idempotencyKey-7" was first used at 2026-12-07; use a new idempotencyKey for a new request', 'idempotencyKey')).toBe(
      '--idempotency-key "nightly-idempotencyKey-7" was first used at 2026-12-07; use a new --idempotency-key for a new request',
    );
    expect(said('idempotencyKey "say \\"idempotencyKey\\" twice" was first used', 'idempotencyKey')).toBe('--idempotency-key "say \\"idempotencyKey\\" twice" was first used');
  });

  it('a plain word is the option only where the sentence begins', () => {
    expect(said('subject is 999 characters; the limit is 998 for a subject', 'subject')).toBe('--subject is 999 characters; the limit is 998 for a subject');
  });
});
