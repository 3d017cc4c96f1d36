import { describe, expect, it } from 'vitest';
import { invalid } from '../../src/core/kernel/errors.js';
import { smtpReply } from '../../src/relay/replies.js';

/** A relay refusal quotes what the client wrote; its reply stays printable ASCII (RFC 5321 4.2). */
describe('relay replies', () => {
  it('turns tabs, escape sequences and 8-bit text of a quoted header line into "?"', () => {
    const reply = smtpReply(invalid('header', 'line 2 of the header ("X\tGrüße\u001b[31m") is no header field'), 'data');
    expect(reply).toEqual({ code: 550, text: '5.6.0 header: line 2 of the header ("X?Gr??e?[31m") is no header field' });
  });
});
