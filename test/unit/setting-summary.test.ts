import { describe, expect, it } from 'vitest';
import { SETTING_DEFAULTS } from '../../src/core/routing/settings.js';
import type { MailAccount } from '../../web/src/api.js';
import { settingSummary } from '../../web/src/features/routing/setting-summary.js';

const accounts = [{ id: 'acc_1', address: 'reports@example.com' }] as MailAccount[];

/** The Settings table shows each value as a sentence, never the API's JSON (`{ "days": null }`). */
describe('settingSummary: the Settings table in words', () => {
  it.each(Object.entries(SETTING_DEFAULTS))('the default of %s reads without JSON', (key, value) => {
    const text = settingSummary(key, value, accounts);
    expect(text).not.toMatch(/[{}"]/);
    expect(text.length).toBeGreaterThan(0);
  });

  it.each([
    ['retention', { days: null }, 'Kept forever'],
    ['retention', { days: 90 }, '90 days after a message is finished'],
    ['retention', { days: 1 }, '1 day after a message is finished'],
    ['softBounces', { count: 3, windowDays: 7 }, 'Suppressed at the 3rd soft bounce within 7 days'],
    ['softBounces', { count: 11, windowDays: 1 }, 'Suppressed at the 11th soft bounce within 1 day'],
    ['softBounces', { count: 21, windowDays: 30 }, 'Suppressed at the 21st soft bounce within 30 days'],
    ['branding', { name: 'Acme', logoUrl: 'https://acme.example/logo.png', color: '#ff0000', footer: 'Acme Inc.' }, 'Acme · #ff0000 · with a logo · with a footer'],
    ['contactAutoReply', { enabled: true, accountId: 'acc_1', subject: 's', body: 'b' }, 'On, sent from reports@example.com'],
    ['contactAutoReply', { enabled: true, accountId: null, subject: 's', body: 'b' }, 'On, sent from the contact_autoreply purpose'],
    ['contactAutoReply', { enabled: false, accountId: null, subject: 's', body: 'b' }, 'Off'],
    ['reports', { enabled: true, useDefault: false, accountId: 'acc_1', serverId: null, overrides: [{ report: 'weekly', accountId: 'acc_1', serverId: null }] }, 'On, sent from reports@example.com; 1 report with a sender of its own'],
    ['reports', { enabled: true, useDefault: true, accountId: null, serverId: null, overrides: [] }, 'On, sent from the report purpose'],
    ['defaultAccountId', 'acc_1', 'reports@example.com'],
    ['defaultAccountId', null, '—'],
    ['globalCc', ['a@example.com', 'b@example.com'], 'a@example.com, b@example.com'],
    ['globalBcc', [], '—'],
    ['mailDriver', 'log', 'log'],
  ])('%s %j', (key, value, expected) => {
    expect(settingSummary(key, value, accounts)).toBe(expected);
  });

  it('shows a shape it does not know as it came, rather than hiding it', () => {
    expect(settingSummary('somethingNew', { a: 1 }, accounts)).toContain('"a": 1');
  });
});
