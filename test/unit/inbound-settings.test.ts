import { describe, expect, it } from 'vitest';
import { inboundSettings, movesIntoItself } from '../../src/core/senders/inbound-settings.js';

/**
 * INBOX is the one mailbox name IMAP compares without case (RFC 3501 §5.1): "inbox" and "Inbox"
 * are INBOX. Taken as other folders, "inbox" beside INBOX started a second reader on the same
 * mailbox, and moveTo "inbox" while reading INBOX moved every stored message into the folder it
 * came from, where it got a new UID and was fetched and moved again at every sync.
 */
describe('inboundSettings: INBOX in any case is INBOX', () => {
  it('spells INBOX one way, so the same mailbox is read once', () => {
    expect(inboundSettings({ folders: ['INBOX', 'inbox', 'Inbox'] })?.folders).toEqual(['INBOX']);
    expect(inboundSettings({ folders: ['inbox', 'Bounces'] })?.folders).toEqual(['INBOX', 'Bounces']);
  });

  it('refuses a move target that is the folder read, whatever its case', () => {
    expect(() => inboundSettings({ folders: ['INBOX'], afterProcessing: 'move', moveTo: 'inbox' })).toThrow(expect.objectContaining({ code: 'MAILROOM_E_VALIDATION', details: { field: 'inbound.moveTo' } }));
    expect(() => inboundSettings({ folders: ['inBox'], afterProcessing: 'move', moveTo: 'INBOX' })).toThrow(/"INBOX" is also read/);
  });

  it('leaves other names as given: only INBOX is case-insensitive', () => {
    expect(inboundSettings({ folders: ['Bounces', 'bounces'] })?.folders).toEqual(['Bounces', 'bounces']);
    expect(inboundSettings({ folders: ['INBOX'], afterProcessing: 'move', moveTo: 'Inbox.Processed' })?.moveTo).toBe('Inbox.Processed');
  });

  it('tells the reader that a move target saved before is the folder it reads', () => {
    expect(movesIntoItself('INBOX', 'inbox')).toBe(true);
    expect(movesIntoItself('inbox', 'INBOX')).toBe(true);
    expect(movesIntoItself('INBOX', 'Archive')).toBe(false);
    expect(movesIntoItself('Bounces', 'bounces')).toBe(false);
  });
});
