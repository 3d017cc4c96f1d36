import { describe, expect, it } from 'vitest';
import { classifyAttempt, enhancedCodeOf, nextRetryAt, statusAfterAttempt } from '../../src/core/outbox/retry-policy.js';
import { DEFAULT_RETRY } from '../../src/core/senders/servers.js';

const r = (address: string, code: number, response = `${code} x`) => ({ address, code, enhancedCode: enhancedCodeOf(response), response });

describe('retry policy', () => {
  it('schedules 5 s, 30 s, 5 min, then every 15 min', () => {
    expect([1, 2, 3, 4, 9].map((n) => nextRetryAt(DEFAULT_RETRY, n, 0) / 1000)).toEqual([5, 30, 300, 900, 900]);
  });

  it('reads enhanced status codes', () => {
    expect(enhancedCodeOf('550 5.1.1 <a@b>: Recipient address rejected')).toBe('5.1.1');
    expect(enhancedCodeOf('451-4.7.1 greylisted')).toBe('4.7.1');
    expect(enhancedCodeOf('250 Ok')).toBeNull();
  });

  it('classifies per recipient: 5xx permanent, 4xx transient, accepted delivered', () => {
    const out = classifyAttempt(['ok@x.test', 'bad@x.test', 'busy@x.test'], { accepted: [r('ok@x.test', 250)], rejected: [r('bad@x.test', 550, '550 5.1.1 no'), r('busy@x.test', 451, '451 4.2.0 busy')] });
    expect(out.recipients.map((x) => [x.address, x.status, x.enhancedCode])).toEqual([
      ['ok@x.test', 'accepted', null],
      ['bad@x.test', 'rejected', '5.1.1'],
      ['busy@x.test', 'deferred', '4.2.0'],
    ]);
    expect(out.outcome).toBe('partial');
  });

  it.each([
    ['network', null, 'deferred'],
    ['timeout', null, 'deferred'],
    ['tls', 554, 'deferred'],
    ['config', null, 'deferred'],
    ['smtp', 421, 'deferred'],
    ['smtp', 554, 'failed'],
    ['auth', 535, 'failed'],
  ] as const)('a %s failure with code %s is %s', (kind, code, outcome) => {
    const out = classifyAttempt(['a@x.test'], { accepted: [], rejected: [], failure: { kind, code, enhancedCode: null, message: 'boom' } });
    expect(out.outcome).toBe(outcome);
  });

  it('makes a last attempt just before expireAt when the next step would come after it, then expires', () => {
    const policy = DEFAULT_RETRY;
    expect(statusAfterAttempt({ deferred: 1, accepted: 0 }, { policy, attemptCount: 1, now: 0, expireAt: 10_000 })).toEqual({ status: 'deferred', nextAttemptAt: 5_000 });
    // The next step (30 s) lands after the expiry: one last attempt just before it, then expiry.
    expect(statusAfterAttempt({ deferred: 1, accepted: 0 }, { policy, attemptCount: 2, now: 0, expireAt: 10_000 })).toEqual({ status: 'deferred', nextAttemptAt: 9_000 });
    expect(statusAfterAttempt({ deferred: 1, accepted: 0 }, { policy, attemptCount: 3, now: 9_000, expireAt: 10_000 }).status).toBe('expired');
    expect(statusAfterAttempt({ deferred: 1, accepted: 0 }, { policy, attemptCount: 2, now: 8_500, expireAt: 10_000 }).status).toBe('expired');
    expect(statusAfterAttempt({ deferred: 0, accepted: 1 }, { policy, attemptCount: 1, now: 0, expireAt: 10_000 }).status).toBe('sent');
    expect(statusAfterAttempt({ deferred: 0, accepted: 0 }, { policy, attemptCount: 1, now: 0, expireAt: 10_000 }).status).toBe('failed');
  });
});
