import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { invalid, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import { changesNothing, versionConflict } from '../kernel/versioning.js';
import type { Repositories } from '../ports.js';
import { holdPurpose, loadPurpose } from '../routing/routing.js';
import { byPriority, DEFAULT_RULE_PRIORITY, parseRuleInput, type Rule } from './rules.js';

/** What the audit log keeps of a rule: everything but its bookkeeping. */
function audited(r: Rule) {
  return { name: r.name, enabled: r.enabled, priority: r.priority, events: r.events, conditions: r.conditions, recipients: r.recipients, template: r.template, accountId: r.accountId, purpose: r.purpose, continue: r.continue };
}

/**
 * What a rule names must exist: its template, its account, its purpose (checked in the saving
 * transaction, and held: none of them can be deleted before the rule is saved). A draft being
 * tried (`look`) is only read: a dry run locks nothing.
 */
async function checkReferences(repos: Repositories, r: Pick<Rule, 'template' | 'accountId' | 'purpose'>, now: number, mode: 'hold' | 'look' = 'hold'): Promise<void> {
  const hold = mode === 'hold';
  if (!(await (hold ? repos.templates.hold(r.template) : repos.templates.get(r.template)))) throw invalid('template', `"${r.template}" is not a template (GET /api/v1/templates lists them)`);
  if (r.accountId && !(await (hold ? repos.accounts.hold(r.accountId) : repos.accounts.get(r.accountId)))) throw invalid('accountId', `account ${r.accountId} does not exist`);
  if (r.purpose) await (hold ? holdPurpose : loadPurpose)(repos, r.purpose, now);
}

/** A draft rule (`POST /rules/test { rule }`) refused as its save would be, for what it names. */
export function checkDraftReferences(repos: Repositories, r: Pick<Rule, 'template' | 'accountId' | 'purpose'>, now: number): Promise<void> {
  return checkReferences(repos, r, now, 'look');
}

export async function listRules(ctx: CoreContext): Promise<Rule[]> {
  return (await ctx.store.repos.rules.list()).sort(byPriority);
}

export async function getRule(ctx: CoreContext, id: string): Promise<Rule> {
  const r = await ctx.store.repos.rules.get(id);
  if (!r) throw notFound('rule', id);
  return r;
}

export async function createRule(ctx: CoreContext, actor: Actor, input: unknown): Promise<Rule> {
  const v = parseRuleInput(input, { partial: false });
  return ctx.store.transaction(async (repos) => {
    const now = ctx.clock.now();
    const rule: Rule = {
      id: newId('rul', now),
      name: v.name!,
      enabled: v.enabled ?? true,
      priority: v.priority ?? DEFAULT_RULE_PRIORITY,
      events: v.events!,
      conditions: v.conditions ?? [],
      recipients: v.recipients!,
      template: v.template!,
      accountId: v.accountId ?? null,
      purpose: v.purpose ?? null,
      continue: v.continue ?? false,
      createdBy: actor.label,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    await checkReferences(repos, rule, now);
    await repos.rules.insert(rule);
    await audit(repos, ctx, actor, 'rule.create', { type: 'rule', id: rule.id }, undefined, audited(rule));
    return rule;
  });
}

export async function updateRule(ctx: CoreContext, actor: Actor, id: string, input: unknown): Promise<Rule> {
  const { version, ...v } = parseRuleInput(input, { partial: true });
  return ctx.store.transaction(async (repos) => {
    const prev = await repos.rules.get(id);
    if (!prev) throw notFound('rule', id);
    if (prev.version !== version) throw versionConflict('rule', id, prev.version, version!);
    const now = ctx.clock.now();
    const next: Rule = { ...prev, ...v, updatedAt: now, version: prev.version + 1 };
    // The event types are a set (a rule matches any of them): another order alone is no change.
    if (changesNothing(prev, next, ['events'])) return prev;
    await checkReferences(repos, next, now);
    if (!(await repos.rules.update(next, prev.version))) throw versionConflict('rule', id, prev.version + 1, prev.version);
    await audit(repos, ctx, actor, 'rule.update', { type: 'rule', id }, audited(prev), audited(next));
    return next;
  });
}

export async function deleteRule(ctx: CoreContext, actor: Actor, id: string): Promise<void> {
  await ctx.store.transaction(async (repos) => {
    const prev = await repos.rules.get(id);
    if (!prev) throw notFound('rule', id);
    await repos.rules.delete(id);
    await audit(repos, ctx, actor, 'rule.delete', { type: 'rule', id }, audited(prev), undefined);
  });
}

/**
 * Puts the rules in the order given (the admin page's drag and up/down): priorities become
 * 10, 20, 30 … in that order. Every rule must be named once; each changed rule gets a new
 * version and one audit entry covers the move.
 */
export async function reorderRules(ctx: CoreContext, actor: Actor, input: unknown): Promise<Rule[]> {
  const ids = (input as { ids?: unknown } | null)?.ids;
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw invalid('ids', 'must be the list of every rule id in the new order');
  return ctx.store.transaction(async (repos) => {
    const rules = await repos.rules.list();
    const known = new Set(rules.map((r) => r.id));
    if (ids.length !== known.size || new Set(ids).size !== ids.length || ids.some((x) => !known.has(x as string))) {
      throw invalid('ids', `must name each of the ${known.size} rules exactly once`);
    }
    const now = ctx.clock.now();
    const before = [...rules].sort(byPriority).map((r) => r.id);
    for (const [i, id] of (ids as string[]).entries()) {
      const r = rules.find((x) => x.id === id)!;
      const priority = (i + 1) * 10;
      if (r.priority === priority) continue;
      // A rule edited since the list was read (PostgreSQL): the whole reorder is refused, not half applied.
      if (!(await repos.rules.update({ ...r, priority, updatedAt: now, version: r.version + 1 }, r.version))) throw versionConflict('rule', id, r.version + 1, r.version);
    }
    await audit(repos, ctx, actor, 'rule.reorder', { type: 'rule', id: null }, { order: before }, { order: ids });
    return (await repos.rules.list()).sort(byPriority);
  });
}
