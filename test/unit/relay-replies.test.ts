import { describe, expect, it } from 'vitest';
import { invalid, StoreUnavailableError } from '../../src/core/kernel/errors.js';
import { smtpReply } from '../../src/relay/replies.js';

/** A relay refusal quotes what the client wrote; its reply stays printable ASCII (RFC 5321 4.2). */
describe('relay replies', () => {
  it('turns tabs, escape sequences and 8-bit text of a quoted header line into "?"', () => {
    const reply = smtpReply(invalid('header', 'line 2 of the header ("X\tGrüße\u001b[31m") is no header field'), 'data');
    expect(reply).toEqual({ code: 550, text: '5.6.0 header: line 2 of the header ("X?Gr??e?[31m") is no header field' });
  });

  it('a COMMIT whose answer was lost is temporary, and says the message may have been queued (SMTP has no idempotency key)', () => {
    expect(smtpReply(new StoreUnavailableError('outcome-unknown', 'connection lost'), 'data')).toEqual({
      code: 451,
      text: '4.3.0 the connection to the database was lost while the message was being queued: it may have been queued; sending it again may deliver it twice',
    });
    expect(smtpReply(new StoreUnavailableError('unavailable', 'ECONNREFUSED'), 'data').text).toMatch(/^4\.3\.0 .*nothing was queued; try again/);
  });
});
