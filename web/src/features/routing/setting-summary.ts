import type { MailAccount } from '../../api.js';
import { pretty } from '../../format.js';

type Doc = Record<string, unknown>;

const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * A setting's value as a sentence an admin reads at a glance (the Settings table): "Kept
 * forever", "3 within 7 days", "On, sent from ann@example.com". The API's JSON is for the API;
 * a value of a shape this page does not know yet falls back to it rather than hiding it.
 */
export function settingSummary(key: string, value: unknown, accounts: MailAccount[]): string {
  if (value === null || value === undefined || value === '') return '—';
  const account = (id: unknown) => (typeof id === 'string' ? (accounts.find((a) => a.id === id)?.address ?? id) : null);
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (key === 'defaultAccountId') return account(value) ?? '—';
  if (!isDoc(value)) return String(value);
  switch (key) {
    case 'retention':
      return typeof value.days === 'number' ? `${plural(value.days, 'day')} after a message is finished` : 'Kept forever';
    case 'softBounces':
      if (typeof value.count === 'number' && typeof value.windowDays === 'number') return `Suppressed at the ${ordinal(value.count)} within ${plural(value.windowDays, 'day')}`;
      break;
    case 'branding':
      if (typeof value.name === 'string') return [value.name, value.color, value.logoUrl ? 'with a logo' : 'no logo', value.footer ? 'with a footer' : null].filter(Boolean).join(' · ');
      break;
    case 'contactAutoReply':
      if (typeof value.enabled === 'boolean') return value.enabled ? `On, sent from ${account(value.accountId) ?? 'the contact_autoreply purpose'}` : 'Off';
      break;
    case 'reports':
      if (typeof value.enabled === 'boolean') {
        if (!value.enabled) return 'Off';
        const from = value.useDefault !== false ? 'the report purpose' : (account(value.accountId) ?? 'the report purpose');
        const overrides = Array.isArray(value.overrides) && value.overrides.length ? `; ${plural(value.overrides.length, 'report')} with a sender of its own` : '';
        return `On, sent from ${from}${overrides}`;
      }
      break;
  }
  return pretty(value);
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix} soft bounce`;
}
