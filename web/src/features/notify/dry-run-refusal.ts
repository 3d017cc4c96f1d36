import { fieldInWords } from '../../format.js';

/** The rule form's labels by the API's field path (without `rule.`), for refusals said in its words. */
export const RULE_FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  events: 'Event types',
  conditions: 'Conditions',
  recipients: 'Recipients',
  'recipients.roles': 'Roles',
  'recipients.addresses': 'Fixed addresses',
  accountId: 'Send from',
  template: 'Template',
  purpose: 'Purpose',
  continue: 'Continue',
  enabled: 'Enabled',
};

/**
 * A dry run's refusal of the draft rule, said with the form's label: the API judges the rule as
 * `rule` in its body, so it says "rule.recipients.addresses[1]: …", a path the form shows nowhere;
 * this says "Fixed addresses, number 2: …". The longest label whose path starts the field names
 * it; a refusal of the event (or without a field) stays as the API said it.
 */
export function dryRunRefusalInWords(field: string | null, error: string | null, labels: Record<string, string>): string | null {
  if (!error || !field?.startsWith('rule.')) return error;
  const path = field.slice('rule.'.length);
  const key = Object.keys(labels)
    .filter((k) => path === k || path.startsWith(`${k}.`))
    .sort((a, b) => b.length - a.length)[0];
  const rest = key === undefined ? path : path.slice(key.length + 1);
  const where = [key === undefined ? null : labels[key], rest ? rest.replace(/^(\d+)(?=\.|$)/, (_m, n: string) => `number ${Number(n) + 1}`).split('.').map((p) => (p.startsWith('number ') ? p : fieldInWords(p))).join(' › ') : null]
    .filter(Boolean)
    .join(', ');
  const message = error.replace(/^rule\.[\w.[\]]+:\s*/, '');
  return `${where.charAt(0).toUpperCase()}${where.slice(1)}: ${message}`;
}
