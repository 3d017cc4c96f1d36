import { describe, expect, it } from 'vitest';
import { autoDisableAt, autoDisableReason, AUTO_DISABLE_AFTER_MS, judgeAnswer } from '../../src/core/webhooks/attempt-outcome.js';
import { JITTER, MAX_ATTEMPTS, parseRetryAfter, RETRY_AFTER_MAX_SEC, RETRY_DELAYS_SEC, retryDelayMs } from '../../src/core/webhooks/retry-schedule.js';

describe('webhook retry schedule', () => {
  it('spreads the retries over about three days, each moved by at most ±20 %', () => {
    const total = (r: number) => Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelayMs(i + 1, () => r)!).reduce((a, b) => a + b, 0);
    const days = (ms: number) => ms / 86_400_000;
    expect(days(total(0.5))).toBeGreaterThan(2.8);
    expect(days(total(0.5))).toBeLessThan(3.1);
    expect(days(total(0))).toBeCloseTo(days(total(0.5)) * (1 - JITTER), 5);
    expect(days(total(0.999999))).toBeCloseTo(days(total(0.5)) * (1 + JITTER), 4);
    expect(retryDelayMs(1, () => 0.5)).toBe(RETRY_DELAYS_SEC[0] * 1000);
    expect(retryDelayMs(MAX_ATTEMPTS, () => 0.5)).toBeNull();
  });

  it('never retries sooner than Retry-After, and never later than the schedule or 24 h would have it', () => {
    expect(retryDelayMs(1, () => 0.5, 120_000)).toBe(120_000);
    expect(retryDelayMs(6, () => 0.5, 120_000)).toBe(3_600_000);
  });

  it('reads Retry-After as seconds or an HTTP-date, capped, ignoring nonsense', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:05:00 GMT', now)).toBe(300_000);
    expect(parseRetryAfter('999999999', now)).toBe(RETRY_AFTER_MAX_SEC * 1000);
    for (const v of [undefined, '', 'soon', '-5', '0', 'Thu, 01 Jan 2026 11:00:00 GMT', '1.5']) expect(parseRetryAfter(v, now), String(v)).toBeUndefined();
  });
});

describe('judging a receiver\'s answer', () => {
  const now = Date.now();
  it('takes any 2xx as success, 410 as gone, 3xx as a redirect not followed, the rest as a failure to retry', () => {
    expect(judgeAnswer({ kind: 'response', status: 202, durationMs: 3, excerpt: null }, now)).toMatchObject({ succeeded: true, gone: false, error: null });
    expect(judgeAnswer({ kind: 'response', status: 410, durationMs: 3, excerpt: null }, now)).toMatchObject({ succeeded: false, gone: true });
    expect(judgeAnswer({ kind: 'response', status: 301, durationMs: 3, excerpt: null, location: 'https://elsewhere.example/' }, now).error).toContain('redirect to https://elsewhere.example/ not followed');
    expect(judgeAnswer({ kind: 'response', status: 429, durationMs: 3, excerpt: null, retryAfter: '30' }, now)).toMatchObject({ succeeded: false, retryAfterMs: 30_000, error: 'HTTP 429; Retry-After 30 s' });
    expect(judgeAnswer({ kind: 'error', durationMs: 3, message: 'connection refused by 127.0.0.1:9' }, now)).toMatchObject({ succeeded: false, statusCode: null, error: 'connection refused by 127.0.0.1:9' });
  });

  it('switches an endpoint off only after both the time and the count of a failing streak', () => {
    const first = Date.UTC(2026, 0, 1);
    expect(autoDisableReason({ consecutiveFailures: 100, firstFailureAt: first }, first + AUTO_DISABLE_AFTER_MS - 1)).toBeNull();
    expect(autoDisableReason({ consecutiveFailures: 3, firstFailureAt: first }, first + AUTO_DISABLE_AFTER_MS * 2)).toBeNull();
    expect(autoDisableReason({ consecutiveFailures: 20, firstFailureAt: first }, first + AUTO_DISABLE_AFTER_MS)).toBe('every attempt failed since 2026-01-01 00:00:00 UTC (20 in a row)');
    expect(autoDisableAt({ consecutiveFailures: 1, firstFailureAt: first, enabled: true })).toBe(first + AUTO_DISABLE_AFTER_MS);
    expect(autoDisableAt({ consecutiveFailures: 0, firstFailureAt: null, enabled: true })).toBeNull();
  });
});
