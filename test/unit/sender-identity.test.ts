import { describe, expect, it } from 'vitest';
import { assertFromAllowed, fromAllowed, senderOnAccount } from '../../src/core/routing/sender-identity.js';
import { parseMailbox } from '../../src/core/kernel/addresses.js';

const account = { address: 'noreply@shop.example', aliases: ['billing@shop.example', '@news.shop.example'], fromName: 'Shop' };

describe('sender identity', () => {
  it('accepts the address, listed aliases and alias domains, case-insensitively', () => {
    for (const a of ['noreply@shop.example', 'NoReply@Shop.Example', 'billing@shop.example', 'weekly@news.shop.example']) {
      expect(fromAllowed(account, parseMailbox('from', a)), a).toBe(true);
    }
  });

  it('refuses other addresses, sibling domains and parent domains', () => {
    for (const a of ['ceo@shop.example', 'x@evil.news.shop.example', 'x@shop.example.evil', 'x@news.shop.example.evil']) {
      expect(fromAllowed(account, parseMailbox('from', a)), a).toBe(false);
    }
    expect(() => assertFromAllowed(account, 'CEO <ceo@shop.example>')).toThrow(/may not send as ceo@shop.example; it may send as noreply@shop.example, billing@shop.example, @news.shop.example/);
  });

  it('sends a failed-over attempt as the account that carries it', () => {
    const routed = { from: { name: 'Primary', address: 'alerts@primary.example' }, envelopeFrom: 'alerts@primary.example', subject: 's' };
    expect(senderOnAccount(routed, account)).toEqual({ from: { name: 'Shop', address: 'noreply@shop.example' }, envelopeFrom: 'noreply@shop.example', subject: 's' });
    const alias = { from: { address: 'billing@shop.example' }, envelopeFrom: 'other@primary.example' };
    expect(senderOnAccount(alias, account)).toEqual({ from: { address: 'billing@shop.example' }, envelopeFrom: 'noreply@shop.example' });
    const own = { from: { address: 'noreply@shop.example' }, envelopeFrom: 'noreply@shop.example' };
    expect(senderOnAccount(own, account)).toBe(own);
  });

  it('sends as the account when the stored From no longer parses (stored before a stricter rule), instead of throwing at each attempt', () => {
    const old = { from: { name: 'Old', address: `${'x'.repeat(65)}@shop.example` }, envelopeFrom: `${'x'.repeat(65)}@shop.example` };
    expect(senderOnAccount(old, account)).toEqual({ from: { name: 'Shop', address: 'noreply@shop.example' }, envelopeFrom: 'noreply@shop.example' });
  });
});
