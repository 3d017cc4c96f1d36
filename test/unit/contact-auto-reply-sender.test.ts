import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTACT_AUTO_REPLY, planAutoReply } from '../../src/core/notify/contact-auto-reply.js';
import type { NotifyEvent } from '../../src/core/notify/events.js';

const on = { ...DEFAULT_CONTACT_AUTO_REPLY, enabled: true };
const event = (data: Record<string, unknown>): NotifyEvent => ({ id: 'e1', type: 'contact.submitted', occurredAt: 0, data, recipients: {}, locale: null });

describe('the contact auto-reply: which sender it answers', () => {
  it('calls an email that is not text an invalid sender, not a machine', () => {
    for (const email of [['ann@example.net', 'bob@example.net'], { address: 'ann@example.net' }, 42, true]) {
      expect(planAutoReply(on, event({ name: 'Ann', email, subject: 'S' })), JSON.stringify(email)).toMatchObject({ kind: 'skip', code: 'invalid_sender' });
    }
  });

  it('still calls an empty or missing email an automated sender (docs/events.md)', () => {
    for (const data of [{ name: 'Ann' }, { name: 'Ann', email: '' }, { name: 'Ann', email: '   ' }, { name: 'Ann', email: null }]) {
      expect(planAutoReply(on, event(data)), JSON.stringify(data)).toMatchObject({ kind: 'skip', code: 'automated_sender' });
    }
    expect(planAutoReply(on, event({ name: 'Ann', email: 'ann@example.net' }))).toMatchObject({ kind: 'send' });
  });
});
