import { formatMailbox, parseMailbox } from '../kernel/addresses.js';
import { invalid } from '../kernel/errors.js';
import { hasControlChars } from '../kernel/header-safety.js';
import { arr, bool, doc, int, onlyKeys, optStr, refuseEmpty, str } from '../kernel/validate.js';
import { requireVersion } from '../kernel/versioning.js';
import { keyOrNone, templateKey } from '../templates/templates.js';
import { describeCondition } from './condition-text.js';
import { patternBudget, type PatternBudget } from './bounded-regex.js';
import { meets, parseConditions, type Condition } from './conditions.js';
import { eventPattern, typeMatches } from './event-types.js';
import { roleName } from './events.js';

/**
 * A notification rule: for events of these types that meet every condition, mail the holders
 * of these roles and these fixed addresses, rendered from this template, from this account
 * (or the purpose's). Rules are tried in priority order (lower first); the first that matches
 * ends the search unless it says `continue`.
 */
export interface Rule {
  id: string;
  name: string;
  enabled: boolean;
  priority: number;
  events: string[];
  conditions: Condition[];
  recipients: { roles: string[]; addresses: string[] };
  template: string;
  accountId: string | null;
  purpose: string | null;
  continue: boolean;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  version: number;
}

export const RULE_LIMITS = { nameChars: 200, patterns: 20, roles: 20, addresses: 50, maxPriority: 1_000_000 } as const;
export const DEFAULT_RULE_PRIORITY = 100;
const RULE_FIELDS = ['name', 'enabled', 'priority', 'events', 'conditions', 'recipients', 'template', 'accountId', 'purpose', 'continue'] as const;

export type RuleInput = Partial<Pick<Rule, 'name' | 'enabled' | 'priority' | 'events' | 'conditions' | 'recipients' | 'template' | 'accountId' | 'purpose' | 'continue'>> & { version?: number };

function recipients(v: unknown): Rule['recipients'] {
  const d = doc('recipients', v);
  onlyKeys('recipients', d, ['roles', 'addresses']);
  const roles = [...new Set((d.roles === undefined ? [] : arr('recipients.roles', d.roles, RULE_LIMITS.roles)).map((r, i) => roleName(`recipients.roles[${i}]`, r)))];
  const seen = new Set<string>();
  const addresses: string[] = [];
  (d.addresses === undefined ? [] : arr('recipients.addresses', d.addresses, RULE_LIMITS.addresses)).forEach((a, i) => {
    const m = parseMailbox(`recipients.addresses[${i}]`, str(`recipients.addresses[${i}]`, a, { max: 320 }));
    if (seen.has(m.address.toLowerCase())) return;
    seen.add(m.address.toLowerCase());
    // Stored as text that parses back to this mailbox (a name like "Doe, John" is quoted).
    addresses.push(formatMailbox(m));
  });
  if (!roles.length && !addresses.length) throw invalid('recipients', 'name at least one role or one address');
  return { roles, addresses };
}

function name(v: unknown): string {
  const s = str('name', v, { max: RULE_LIMITS.nameChars }).trim();
  if (!s || hasControlChars(s)) throw invalid('name', 'must be one line of text');
  return s;
}

/** Validates a create (`partial: false`: name, events, recipients, template required) or an update (`version` required). */
export function parseRuleInput(input: unknown, opts: { partial: boolean }): RuleInput {
  const d = doc('rule', input);
  onlyKeys('rule', d, opts.partial ? [...RULE_FIELDS, 'version'] : RULE_FIELDS);
  if (!opts.partial) for (const f of ['name', 'events', 'recipients', 'template'] as const) if (d[f] === undefined) throw invalid(f, 'is required');
  const out: RuleInput = {};
  if (d.name !== undefined) out.name = name(d.name);
  if (d.enabled !== undefined) out.enabled = bool('enabled', d.enabled);
  if (d.priority !== undefined) out.priority = int('priority', d.priority, 0, RULE_LIMITS.maxPriority);
  if (d.events !== undefined) {
    const list = arr('events', d.events, RULE_LIMITS.patterns).map((p, i) => eventPattern(`events[${i}]`, p));
    if (!list.length) throw invalid('events', 'name at least one event type (or "*" for every event)');
    out.events = [...new Set(list)];
  }
  if (d.conditions !== undefined) out.conditions = parseConditions('conditions', d.conditions);
  if (d.recipients !== undefined) out.recipients = recipients(d.recipients);
  if (d.template !== undefined) out.template = templateKey('template', d.template);
  if (d.accountId !== undefined) {
    // `""` taken as none removed the rule's chosen account when a script's variable was unset.
    refuseEmpty('accountId', d.accountId, 'give null for none');
    out.accountId = optStr('accountId', d.accountId, { max: 40 }) ?? null;
  }
  if (d.purpose !== undefined) out.purpose = keyOrNone('purpose', d.purpose);
  if (d.continue !== undefined) out.continue = bool('continue', d.continue);
  if (opts.partial) out.version = requireVersion(d);
  return out;
}

/** Priority order: lower number first, then the older rule. */
export const byPriority = (a: Rule, b: Rule): number => a.priority - b.priority || a.createdAt - b.createdAt || a.id.localeCompare(b.id);

/** How one rule judged one event: matched, or the first reason it did not. */
export interface RuleVerdict {
  rule: Rule;
  matched: boolean;
  /** Why it did not match (the type, the first unmet condition, a pattern stopped), or why it was not tried. */
  reason?: string;
  /** A `matches` pattern could not decide (stopped at its deadline, text too long): the event's record says so. */
  undecided?: boolean;
  /**
   * Undecided for want of the process's pattern time (other events spent it), not for anything
   * of this event's: raised again on a quieter process it may match, so no verdict is recorded.
   */
  processBusy?: boolean;
}

/**
 * Tries the enabled rules in priority order. Every rule gets a verdict (the dry run shows
 * them all); the matches are the verdicts up to and including the first match without
 * `continue`.
 */
export function judge(rules: readonly Rule[], type: string, view: Record<string, unknown>, budget: PatternBudget = patternBudget()): RuleVerdict[] {
  const out: RuleVerdict[] = [];
  let stopped: Rule | undefined;
  // `budget`: one for every pattern this event meets, whatever the number of rules and items (and drawing on the process's pattern time).
  for (const rule of [...rules].sort(byPriority)) {
    if (!rule.enabled) {
      out.push({ rule, matched: false, reason: 'switched off' });
      continue;
    }
    if (stopped) {
      out.push({ rule, matched: false, reason: `not tried: rule "${stopped.name}" matched first and does not continue` });
      continue;
    }
    if (!rule.events.some((p) => typeMatches(p, type))) {
      out.push({ rule, matched: false, reason: `the event type ${type} is not one of ${rule.events.join(', ')}` });
      continue;
    }
    let reason: string | undefined;
    let undecided = false;
    let processBusy = false;
    for (const c of rule.conditions) {
      const r = meets(c, view, budget);
      if (!r.ok) {
        processBusy = r.processBusy === true;
        reason = `${processBusy ? 'condition undecided' : 'condition not met'}: ${describeCondition(c)}${r.note ? ` (${r.note})` : ''}`;
        undecided = r.note !== undefined;
        break;
      }
    }
    out.push(reason ? { rule, matched: false, reason, ...(undecided ? { undecided } : {}), ...(processBusy ? { processBusy } : {}) } : { rule, matched: true });
    if (!reason && !rule.continue) stopped = rule;
  }
  return out;
}
