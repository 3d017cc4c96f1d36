import { describe, expect, it } from 'vitest';
import type { MessageStatus } from '../../web/src/api.js';
import { MESSAGE_STATUSES, noAttemptWords } from '../../web/src/features/outbox/statuses.js';

/**
 * What a message's Attempts card says while it has none: "yet" only while an attempt is still
 * coming; a message that will never be tried says why (an admin reading "No attempt yet" on a
 * suppressed or cancelled message waits for something that will not happen).
 */
describe('the Attempts card of a message without attempts', () => {
  it('says "yet" only while the message still waits for its first try', () => {
    const yet = MESSAGE_STATUSES.filter((s) => noAttemptWords(s).includes('yet'));
    expect(yet).toEqual(['queued', 'sending', 'deferred']);
  });

  it.each<[MessageStatus, string]>([
    ['queued', 'No attempt yet.'],
    ['suppressed', 'No attempt: every recipient is on the suppression list, so nothing is sent.'],
    ['cancelled', 'No attempt: the message was cancelled before it was tried.'],
    ['expired', 'No attempt: the message expired before it could be tried.'],
    ['logged', 'No attempt: the log driver is active, so this message was stored, not sent.'],
    ['received', 'No attempt: received mail is stored, never sent.'],
    ['failed', 'No attempt: the message failed before any server was tried (see Recipients).'],
  ])('%s: %s', (status, words) => {
    expect(noAttemptWords(status)).toBe(words);
  });
});
