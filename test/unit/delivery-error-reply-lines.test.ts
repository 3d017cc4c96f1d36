import { describe, expect, it } from 'vitest';
import { classifyAttempt, replyOnOneLine, type AttemptReport } from '../../src/core/outbox/retry-policy.js';

/**
 * How a server's reply is stored (replyOnOneLine): one line, its code and enhanced code once;
 * and what a protocol violation leaves on the recipients (classifyAttempt): no code of the
 * reply that broke the protocol.
 */
describe('a server reply as the log stores it', () => {
  it.each([
    ['a one-line reply stays as it is', '550 5.1.1 <a@example.net>: Recipient address rejected', '550 5.1.1 <a@example.net>: Recipient address rejected'],
    ['a multi-line reply keeps its code and enhanced code once', '550-5.1.1 line one of reason\n550-5.1.1 line two\n550 5.1.1 final line', '550 5.1.1 line one of reason line two final line'],
    ['CRLF line ends and blank lines are no text', '550-5.1.1 first\r\n\r\n550 5.1.1 second\r\n', '550 5.1.1 first second'],
    ['without an enhanced code, the code alone', '421-mx.example.net busy\n421 try again later', '421 mx.example.net busy try again later'],
    ['an enhanced code that changes between lines is kept', '550-5.1.1 no such user\n550 5.7.1 and policy', '550 5.1.1 no such user 5.7.1 and policy'],
    ['a line with another code (a broken reply) is kept whole', '250-2.0.0 ok\n550 5.0.0 mixed', '250 2.0.0 ok 550 5.0.0 mixed'],
    ['a bare continuation line', '250-\n250 ok', '250 ok'],
    ['text that is no reply at all, joined', 'hello\nthere', 'hello there'],
    ['nothing', '', ''],
  ])('%s', (_what, reply, stored) => {
    expect(replyOnOneLine(reply)).toBe(stored);
  });
});

describe('the recipients of an attempt that ended in a protocol violation', () => {
  const violation = (code: number, possibleDuplicate: boolean): AttemptReport => ({
    accepted: [],
    rejected: [],
    failure: { kind: 'protocol', code, enhancedCode: '2.0.0', message: `protocol violation: the server sent "${code} 2.0.0 extra" while no command was waiting for a reply` },
    ...(possibleDuplicate ? { possibleDuplicate: { reason: 'the whole message went out' } } : {}),
  });

  it('carry no code of the offending reply, and the words of the violation', () => {
    for (const [report, status] of [
      [violation(250, false), 'deferred'],
      [violation(250, true), 'rejected'],
      [violation(550, false), 'deferred'],
    ] as const) {
      const { recipients } = classifyAttempt(['a@example.net', 'b@example.net'], report);
      expect(recipients).toEqual(['a@example.net', 'b@example.net'].map((address) => ({ address, code: null, enhancedCode: null, response: report.failure!.message, status })));
    }
  });

  it('a server refusal still gives each recipient its code', () => {
    const report: AttemptReport = { accepted: [], rejected: [], failure: { kind: 'smtp', code: 550, enhancedCode: '5.7.1', message: 'MAIL FROM: 550 5.7.1 refused' } };
    expect(classifyAttempt(['a@example.net'], report).recipients).toEqual([{ address: 'a@example.net', code: 550, enhancedCode: '5.7.1', response: 'MAIL FROM: 550 5.7.1 refused', status: 'rejected' }]);
  });
});
