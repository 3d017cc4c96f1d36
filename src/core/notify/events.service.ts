import { requirePermission, type Principal } from '../access/auth.js';
import type { CoreContext } from '../context.js';
import { formatMailbox } from '../kernel/addresses.js';
import { ErrorCodes, isDuplicateKey, isStoreUnavailable, MailroomError, notFound, RENDER_RETRY_AFTER_SEC, withinField } from '../kernel/errors.js';
import { foreignCursor } from '../kernel/ids.js';
import { doc, int, onlyKeys, optStr } from '../kernel/validate.js';
import { displayMailbox, LIMITS, type Submission } from '../outbox/messages.js';
import { assertSameRequest, requestHash } from '../kernel/request-hash.js';
import { journal } from '../kernel/event-journal.js';
import { acceptedEvent, composeOutbound, prepareSubmission, type Outbound } from '../outbox/messages.service.js';
import type { Repositories } from '../ports.js';
import { readContactAutoReply, readReportMail } from '../routing/settings.js';
import type { BuiltinPlan } from './builtin-mail.js';
import { PROCESS_PATTERN_RETRY_AFTER_SEC } from './bounded-regex.js';
import { AUTO_REPLY_RULE_ID, AUTO_REPLY_WINDOW_MS, planAutoReply } from './contact-auto-reply.js';
import { planReportMail, REPORT_RULE_ID } from './report-mail.js';
import { eventType } from './event-types.js';
import { conditionView, parseEvent, type NotifyEvent } from './events.js';
import type { EventMatch, StoredEvent } from './ports.js';
import { ruleRecipients, type Recipient } from './recipients.js';
import { judge, parseRuleInput, type Rule, type RuleVerdict } from './rules.js';
import { checkDraftReferences } from './rules.service.js';

/** What one matching rule (or the auto-reply) will send, before anything is stored. */
interface PlannedMatch {
  ruleId: string;
  ruleName: string;
  out: Outbound[];
  skipped?: { code: string; message: string };
  /** The auto-reply's address: it sends only if no answer went there within the window (checked in the commit). */
  claim?: string;
}

/** The skip code of a rule whose `matches` pattern could not decide: the rule did not match, and the record says why. */
export const PATTERN_UNDECIDED = 'pattern_undecided';

const AUTO_REPLY_NAME = 'Contact auto-reply (built in)';
const REPORT_NAME = 'Report mail (built in)';

/** What a template sees: the event's data at the top, `event` and `recipient` beside it (Mailroom's names win). */
function templateScope(event: NotifyEvent, r: Recipient): Record<string, unknown> {
  return {
    ...event.data,
    event: { id: event.id, type: event.type, occurredAt: new Date(event.occurredAt).toISOString(), locale: event.locale },
    recipient: { address: r.mailbox.address, name: r.mailbox.name ?? null, roles: r.roles },
  };
}

/**
 * Failures that say nothing about the rule: the store away, full or unsure, the template engine
 * failing (MAILROOM_E_RENDER_UNAVAILABLE), the process busy, a fault (MAILROOM_E_INTERNAL).
 * Recorded as the rule's skip, the event would be committed without that mail and a retry with
 * its id would only get the first answer: the mail lost.
 */
const NOT_THE_RULES: ReadonlySet<string> = new Set([
  ErrorCodes.STORE_UNAVAILABLE,
  ErrorCodes.STORE_OUTCOME_UNKNOWN,
  ErrorCodes.STORE_FULL,
  ErrorCodes.RENDER_UNAVAILABLE,
  ErrorCodes.BUSY,
  ErrorCodes.INTERNAL,
]);

/** A rule's own mistakes (its template fails on this data, its purpose is off …) skip that rule; anything else fails the whole event, storing nothing. */
function skippedBy(err: unknown): { code: string; message: string } {
  if (err instanceof MailroomError && !isStoreUnavailable(err) && !NOT_THE_RULES.has(err.code)) return { code: err.code, message: err.message };
  throw err;
}

/**
 * A submission rendered for a rule. The engine's own failure (its render threads failing, as
 * under a burst of renders that each hit the deadline, or the engine shutting down: the engine
 * reports MAILROOM_E_RENDER_UNAVAILABLE, src/templates/engine.ts) is not the template's: the
 * event fails with it, a retryable 503 with Retry-After (nothing is stored or sent; the same
 * request with the same id is then raised anew). A fault in the renderer (MAILROOM_E_INTERNAL)
 * fails the event too, as a 500. A template that fails on this data (syntax, render, limit) is
 * still that rule's skip.
 */
async function renderedFor(ctx: CoreContext, input: Record<string, unknown>): Promise<Submission> {
  try {
    return await prepareSubmission(ctx, input);
  } catch (err) {
    if (err instanceof MailroomError && err.code === ErrorCodes.RENDER_UNAVAILABLE) {
      throw new MailroomError(ErrorCodes.RENDER_UNAVAILABLE, `${err.message} (this event's mail: nothing was stored or sent; raise the event again with the same id)`, { retryAfterSec: RENDER_RETRY_AFTER_SEC });
    }
    throw err;
  }
}

async function planRule(ctx: CoreContext, principal: Principal, event: NotifyEvent, rule: Rule, id = rule.id): Promise<PlannedMatch> {
  const base = { ruleId: id, ruleName: rule.name };
  let people: Recipient[];
  try {
    people = ruleRecipients(rule, event);
  } catch (err) {
    // A stored address that no longer parses is this rule's mistake: the others still send.
    return { ...base, out: [], skipped: skippedBy(err) };
  }
  if (!people.length) return { ...base, out: [], skipped: { code: 'no_recipients', message: `the event names nobody for the ${rule.recipients.roles.length === 1 ? 'role' : 'roles'} ${rule.recipients.roles.join(', ')}` } };
  if (people.length > LIMITS.recipients) {
    return { ...base, out: [], skipped: { code: ErrorCodes.TOO_MANY_RECIPIENTS, message: `the rule would mail ${people.length} people; at most ${LIMITS.recipients} per rule and event` } };
  }
  // The account a rule names was chosen by an admin: the event's sender need not be allowed to choose one.
  const routing = rule.accountId ? { ...principal, allowOverride: true, accountChosenBy: `rule "${rule.name}"` } : principal;
  try {
    const out: Outbound[] = [];
    // One message per person: recipients never see each other's addresses, and templates can greet each by name.
    for (const person of people) {
      const sub = await renderedFor(ctx, {
        to: [person.mailbox.address],
        template: rule.template,
        data: templateScope(event, person),
        locale: event.locale ?? undefined,
        purpose: rule.purpose ?? undefined,
        accountId: rule.accountId ?? undefined,
      });
      out.push(await composeOutbound(ctx, routing, { ...sub, to: [person.mailbox] }, { source: 'notify' }));
    }
    return { ...base, out };
  } catch (err) {
    return { ...base, out: [], skipped: skippedBy(err) };
  }
}

/** A built-in rule's plan turned into messages (one per person), or the reason it sends none. */
async function planBuiltin(ctx: CoreContext, principal: Principal, builtin: { ruleId: string; ruleName: string; settings: string }, plan: BuiltinPlan): Promise<PlannedMatch | undefined> {
  const base = { ruleId: builtin.ruleId, ruleName: builtin.ruleName };
  if (plan.kind === 'none') return undefined;
  if (plan.kind === 'skip') return { ...base, out: [], skipped: { code: plan.code, message: plan.message } };
  const m = plan.mail;
  const routing = m.adminChoseAccount && (m.accountId || m.serverId) ? { ...principal, allowOverride: true, accountChosenBy: builtin.settings } : principal;
  try {
    const out: Outbound[] = [];
    for (const to of m.to) {
      const sub = await renderedFor(ctx, { to: [to.address], subject: m.subject, text: m.text, purpose: m.purpose, accountId: m.accountId ?? undefined, serverId: m.serverId ?? undefined, headers: m.headers });
      out.push(await composeOutbound(ctx, routing, { ...sub, to: [to] }, { source: 'notify' }));
    }
    return { ...base, out, ...(m.claim ? { claim: m.claim } : {}) };
  } catch (err) {
    return { ...base, out: [], skipped: skippedBy(err) };
  }
}

/** The built-in rules (contact auto-reply, report mail) that apply to this event. */
async function planBuiltins(ctx: CoreContext, principal: Principal, event: NotifyEvent): Promise<PlannedMatch[]> {
  const repos = ctx.store.repos;
  const [contact, reports] = await Promise.all([readContactAutoReply(repos), readReportMail(repos)]);
  const planned = [
    await planBuiltin(ctx, principal, { ruleId: AUTO_REPLY_RULE_ID, ruleName: AUTO_REPLY_NAME, settings: 'the contact auto-reply settings' }, planAutoReply(contact, event)),
    await planBuiltin(ctx, principal, { ruleId: REPORT_RULE_ID, ruleName: REPORT_NAME, settings: 'the report mail settings' }, planReportMail(reports, event)),
  ];
  return planned.filter((p): p is PlannedMatch => p !== undefined);
}

/**
 * A rule the pattern time of all events together left undecided (other events had spent it).
 * Recorded as `pattern_undecided`, its mail would be lost for good, though the same event on a
 * quieter process would be judged: so the whole event fails, retryably, storing and sending
 * nothing. (A rule undecided by the event's own budget or the pattern's own deadline comes out
 * the same on every try: that is recorded.)
 */
function patternTimeSpent(v: RuleVerdict): MailroomError {
  return new MailroomError(
    ErrorCodes.BUSY,
    `rule "${v.rule.name}" could not be judged for this event right now: ${v.reason}. That time is shared by all events and others had spent it; nothing was stored or sent; raise the event again in a moment (with the same id)`,
    { retryAfterSec: PROCESS_PATTERN_RETRY_AFTER_SEC },
  );
}

/**
 * Judges the rules and plans every message, storing nothing. For a real event a rule left
 * undecided for want of the process's pattern time fails the event (patternTimeSpent); the dry
 * run shows the verdicts as they are, that rule's reason saying so.
 */
async function plan(ctx: CoreContext, principal: Principal, event: NotifyEvent, rules: Rule[], mode: 'event' | 'dry run' = 'event'): Promise<{ verdicts: RuleVerdict[]; planned: PlannedMatch[] }> {
  const verdicts = judge(rules, event.type, conditionView(event));
  const busy = verdicts.find((v) => v.processBusy);
  if (busy && mode === 'event') throw patternTimeSpent(busy);
  const planned = await planBuiltins(ctx, principal, event);
  for (const v of verdicts) {
    if (v.matched) planned.push(await planRule(ctx, principal, event, v.rule));
    // A pattern stopped (or not tried) did not hold, but the admin must be able to see why no mail came.
    else if (v.undecided && !v.processBusy) planned.push({ ruleId: v.rule.id, ruleName: v.rule.name, out: [], skipped: { code: PATTERN_UNDECIDED, message: v.reason! } });
  }
  return { verdicts, planned };
}

export interface EventAnswer {
  id: string;
  type: string;
  matches: EventMatch[];
  /** True when the id was seen before: this is the first answer, and nothing new was sent. */
  duplicate: boolean;
}

const answer = (e: StoredEvent, duplicate: boolean): EventAnswer => ({ id: e.id, type: e.type, matches: e.matches, duplicate });

/**
 * An id seen before: the first answer when the same key (or user) raised it, a retry. Another
 * sender's event with that id is no retry of this one: telling this sender 202 would drop its
 * event unseen and show it the other's matches and messages.
 */
function repeated(e: StoredEvent, principal: Principal, hash: string): EventAnswer {
  if (e.createdBy !== principal.label) {
    throw new MailroomError(
      ErrorCodes.DUPLICATE,
      `event id "${e.id}" was used by another API key or user; nothing was stored or sent. Ids are the raising application's own: make them unique to it (e.g. prefix them with its name), or leave id out`,
      { field: 'id' },
    );
  }
  // The same id with another body is a new event under a used id, not a retry of the first.
  assertSameRequest({ requestHash: e.requestHash, at: e.receivedAt }, hash, { field: 'id', value: e.id });
  return answer(e, true);
}

/** The auto-reply's match when its address was answered within the window: no message. */
function answeredToday(p: PlannedMatch): { ruleId: string; ruleName: string; messageIds: []; skipped: { code: string; message: string } } {
  return { ruleId: p.ruleId, ruleName: p.ruleName, messageIds: [], skipped: { code: 'answered_today', message: `${p.claim} got an auto-reply within the last 24 hours` } };
}

/** The commit: the event, its links and its messages in one transaction (an auto-reply only if none went to that address today). */
async function commit(repos: Repositories, event: NotifyEvent, planned: PlannedMatch[], principal: Principal, now: number, hash: string): Promise<{ stored: StoredEvent; sent: Outbound[] }> {
  const matches: EventMatch[] = [];
  const sent: Outbound[] = [];
  for (const p of planned) {
    const base = { ruleId: p.ruleId, ruleName: p.ruleName };
    if (p.claim !== undefined && p.out.length && !(await repos.autoReplies.claim(p.claim, now, now - AUTO_REPLY_WINDOW_MS))) {
      matches.push(answeredToday(p));
      continue;
    }
    matches.push({ ...base, messageIds: p.out.map((o) => o.message.id), ...(p.skipped ? { skipped: p.skipped } : {}) });
    sent.push(...p.out);
  }
  const stored: StoredEvent = { ...event, receivedAt: now, createdBy: principal.label, requestHash: hash, matches, messageCount: sent.length };
  await repos.notifyEvents.insert(stored);
  for (const o of sent) {
    await repos.messages.insert(o.message, o.recipients);
    await journal(repos.eventJournal, o.suppressed);
  }
  return { stored, sent };
}

/**
 * `POST /events`: the event and every message its rules made are committed together (so 202
 * means both are on disk), then the messages are announced to the dispatcher. The same event
 * id again returns the first answer and sends nothing.
 */
export async function raiseEvent(ctx: CoreContext, principal: Principal, input: unknown): Promise<EventAnswer> {
  requirePermission(principal, 'send');
  const repos = ctx.store.repos;
  const event = parseEvent(input, ctx.clock.now());
  // Every new event stores its hash, also one whose id Mailroom chose: that id can come back
  // explicitly (an application reusing an id from an answer), and a missing hash reads as a row
  // from before hashes were kept (any body a retry). A generated id is hashed as part of the
  // body, so the same event sent again with it is a retry and any other body is refused.
  const given = (input as { id?: unknown }).id != null;
  const hash = requestHash(given ? input : { ...(input as object), id: event.id });
  const earlier = await repos.notifyEvents.get(event.id);
  if (earlier) return repeated(earlier, principal, hash);
  let rules = await repos.rules.list();
  for (let attempt = 1; ; attempt++) {
    // Planning renders (seconds under load) outside the transaction; the commit checks that the
    // rules are still those the plan was made from, in the transaction that stores the event.
    const { planned } = await plan(ctx, principal, event, rules);
    const now = ctx.clock.now();
    let done: Committed;
    try {
      done = await ctx.store.grouped((r) => commitIfRulesKept(r, rules, () => commit(r, event, planned, principal, now, hash)));
    } catch (err) {
      // The same id raised twice at once: the first commit wins, the second gets its answer.
      if (isDuplicateKey(err)) {
        const first = await repos.notifyEvents.get(event.id);
        if (first) return repeated(first, principal, hash);
      }
      throw err;
    }
    if ('rulesNow' in done) {
      if (attempt >= PLAN_ATTEMPTS) throw rulesKeptChanging();
      rules = done.rulesNow;
      continue;
    }
    for (const o of done.sent) ctx.events.publish(acceptedEvent(o.message), ...o.suppressed);
    return answer(done.stored, false);
  }
}

/** How often an event is planned before rules that change under every planning fail it (retryably). */
const PLAN_ATTEMPTS = 3;

type Committed = { stored: StoredEvent; sent: Outbound[] } | { rulesNow: Rule[] };

/**
 * What a plan depends on: every rule's id and version. Switching a rule off, editing it,
 * reordering, adding or deleting one each change it (every change gives the rule a new version).
 */
const rulesStamp = (rules: readonly Pick<Rule, 'id' | 'version'>[]): string =>
  rules
    .map((r) => `${r.id}@${r.version}`)
    .sort()
    .join(',');

/**
 * Commits unless the rules changed since they were read for the plan: then nothing is written
 * and the rules as they are now come back, to plan again. Read in the commit's transaction, so
 * a change committed before the event is always seen (SQLite has one writer; on PostgreSQL a
 * change committing after this read is ordered after the event, as serializable isolation
 * would order it). Returned, not thrown: a throw would roll back the other events that share
 * this group commit and re-run them one by one.
 */
async function commitIfRulesKept(repos: Repositories, planned: readonly Rule[], write: () => Promise<{ stored: StoredEvent; sent: Outbound[] }>): Promise<Committed> {
  // Ids and versions only, read once per transaction: the events of one group commit share it.
  let stamp = stampsInTransaction.get(repos);
  if (!stamp) {
    stamp = repos.rules.versions().then(rulesStamp);
    stampsInTransaction.set(repos, stamp);
  }
  if ((await stamp) !== rulesStamp(planned)) return { rulesNow: await repos.rules.list() };
  return write();
}

/** The rules' stamp as a transaction (its repositories) read it; no rule changes inside an event's commit. */
const stampsInTransaction = new WeakMap<Repositories, Promise<string>>();

/** Contention with the admins editing rules (not the store's trouble): the process's 503 for "busy, retry". */
function rulesKeptChanging(): MailroomError {
  return new MailroomError(
    ErrorCodes.BUSY,
    `the notification rules changed while this event was being planned, ${PLAN_ATTEMPTS} times in a row; nothing was stored or sent; raise the event again shortly (with the same id)`,
    { retryAfterSec: 1 },
  );
}

export interface DryRun {
  event: { id: string; type: string };
  rules: { ruleId: string; ruleName: string; matched: boolean; reason?: string }[];
  /**
   * As the message resource (GET /messages/:id) shows them: `to` and `from` as `Name <addr>` text,
   * `purpose` null for a message without one. `status` and `suppressed` are what the event would
   * store: recipients on the suppression list are `suppressed` with their recipient's `response`
   * as the reason, and a message whose every addressee is listed is `suppressed`, never sent.
   */
  messages: {
    ruleId: string;
    to: string[];
    from: string;
    accountId: string | null;
    purpose: string | null;
    subject: string;
    text: string | null;
    html: string | null;
    template: { key: string; version: number; locale: string } | null;
    headers: Record<string, string>;
    status: 'queued' | 'suppressed';
    suppressed: { address: string; reason: string }[];
  }[];
  skipped: { ruleId: string; ruleName: string; code: string; message: string }[];
}

/**
 * `POST /rules/test { event, rule? }`: which rules match the event and the mail they would
 * send, rendered, with nothing stored or sent. With `rule` (an unsaved draft, as the editor
 * holds it) only that rule is judged.
 */
export async function testRules(ctx: CoreContext, principal: Principal, input: unknown): Promise<DryRun> {
  requirePermission(principal, 'admin');
  const d = doc('test', input);
  onlyKeys('test', d, ['event', 'rule']);
  const now = ctx.clock.now();
  // What is refused is named where it is in this body: `event.type`, `rule.conditions[0].path`.
  const within = <T>(prefix: string, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      throw withinField(prefix, err);
    }
  };
  const event = within('event', () => parseEvent(d.event, now));
  let rules: Rule[];
  if (d.rule !== undefined) {
    const v = within('rule', () => parseRuleInput(d.rule, { partial: false }));
    // A draft switched off gets the verdict the saved rule would get (a new rule is on unless it says otherwise).
    rules = [{ id: 'draft', name: v.name!, enabled: v.enabled ?? true, priority: 0, events: v.events!, conditions: v.conditions ?? [], recipients: v.recipients!, template: v.template!, accountId: v.accountId ?? null, purpose: v.purpose ?? null, continue: false, createdBy: null, createdAt: now, updatedAt: now, version: 0 }];
    // A template, account or purpose that does not exist is refused here as the save refuses it
    // (by its path in this body), not shown as a rule that matched and would send nothing.
    await checkDraftReferences(ctx.store.repos, rules[0], now).catch((err: unknown) => {
      throw withinField('rule', err);
    });
  } else {
    rules = await ctx.store.repos.rules.list();
  }
  const { verdicts, planned: all } = await plan(ctx, principal, event, rules, 'dry run');
  // What the commit's claim would refuse, looked up without claiming: the dry run stores nothing.
  const planned: PlannedMatch[] = [];
  for (const p of all) {
    const answered = p.claim !== undefined && p.out.length > 0 && (await ctx.store.repos.autoReplies.answeredSince(p.claim, now - AUTO_REPLY_WINDOW_MS));
    planned.push(answered ? { ...p, out: [], skipped: answeredToday(p).skipped } : p);
  }
  const builtins = planned.filter((p) => p.ruleId === AUTO_REPLY_RULE_ID || p.ruleId === REPORT_RULE_ID);
  return {
    event: { id: event.id, type: event.type },
    rules: [
      ...builtins.map((b) => ({ ruleId: b.ruleId, ruleName: b.ruleName, matched: true })),
      ...verdicts.map((v) => ({ ruleId: v.rule.id, ruleName: v.rule.name, matched: v.matched, ...(v.reason ? { reason: v.processBusy ? `${v.reason}; ${BUSY_IN_DRY_RUN}` : v.reason } : {}) })),
    ],
    messages: planned.flatMap((p) =>
      // A message without a purpose is stored with "" and shown as null (http/routes/messages-view.ts): the dry run says what the message will show.
      // The suppression list was applied as the event applies it (composeOutbound: looked up, nothing changed).
      p.out.map(({ message: m, recipients }) => ({
        ruleId: p.ruleId,
        to: m.to.map(displayMailbox),
        from: displayMailbox(m.from),
        accountId: m.accountId,
        purpose: m.purpose || null,
        subject: m.subject,
        text: m.text,
        html: m.html,
        template: m.template,
        headers: m.headers,
        status: m.status === 'suppressed' ? ('suppressed' as const) : ('queued' as const),
        suppressed: recipients.filter((r) => r.status === 'suppressed').map((r) => ({ address: r.address, reason: r.response ?? '' })),
      })),
    ),
    skipped: planned.filter((p) => p.skipped).map((p) => ({ ruleId: p.ruleId, ruleName: p.ruleName, ...p.skipped! })),
  };
}

/** What a dry run says of a rule the process's pattern time left undecided: no skip is claimed, the event would not record one. */
const BUSY_IN_DRY_RUN = `not judged: an event raised now would be refused (503 ${ErrorCodes.BUSY}, nothing stored or sent) and judged when raised again; run the dry run again in a moment for this rule's verdict`;

export const EVENTS_PAGE_MAX = 200;

/** A position in the list: the last event of the previous page, newest first by (receivedAt, id). */
interface EventPosition {
  receivedAt: number;
  id: string;
}

const POSITION = /^(\d{1,16})~(.+)$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The events list's `nextCursor`: the position `receivedAt~id` in base64url, opaque and safe in a
 * URL as it is. Event ids are the applications' own and may hold "+", "/", "=": written into a
 * query string unencoded (curl with `?cursor=$NEXT`), a "+" of the plain form arrived as a space.
 */
export function eventsCursor(p: EventPosition): string {
  return Buffer.from(`${p.receivedAt}~${p.id}`, 'utf8').toString('base64url');
}

/**
 * Reads a cursor of the events list: the base64url form handed out now, or the plain
 * `receivedAt~id` handed out before (it keeps working; a "+" in it that a query string turned
 * into a space is read back as "+": event ids have no spaces). Anything else is the list's
 * cursor refusal, never a silent restart.
 */
export function readEventsCursor(cursor: string): EventPosition {
  let plain: string;
  if (!cursor.includes('~')) {
    // Only the canonical encoding: Buffer's decoder skips what it does not know, and bytes that are not UTF-8 do not survive the round trip.
    if (!BASE64URL.test(cursor)) throw foreignCursor();
    plain = Buffer.from(cursor, 'base64url').toString('utf8');
    if (Buffer.from(plain, 'utf8').toString('base64url') !== cursor) throw foreignCursor();
  } else {
    plain = cursor.replace(/ /g, '+');
  }
  const m = POSITION.exec(plain);
  // Event ids are printable without spaces (eventId()): nothing else names a position.
  if (!m || !/^[\x21-\x7e\u00a0-\uffff]+$/.test(m[2])) throw foreignCursor();
  return { receivedAt: Number(m[1]), id: m[2] };
}

/**
 * An event as the API shows it: as raised, each role's people as RFC 5322 text (`Ann <ann@x>`,
 * `"Doe, John" <jd@x>`), as messages and rules show addresses. The text parses back to the same
 * mailbox, so it can be raised again as it is (the dry run's "recent event" does).
 */
export type EventView = Omit<StoredEvent, 'recipients' | 'requestHash'> & { recipients: Record<string, string[]> };

export function eventView(e: StoredEvent): EventView {
  const recipients: Record<string, string[]> = {};
  for (const [role, list] of Object.entries(e.recipients)) recipients[role] = list.map(formatMailbox);
  // The request hash only tells retries apart; it is no part of the event.
  const { requestHash: _hash, ...shown } = e;
  return { ...shown, recipients };
}

/** `GET /events?type=&cursor=&limit=`: newest first; the cursor is the nextCursor of the previous page. */
export async function listEvents(ctx: CoreContext, query: { type?: string; cursor?: string; limit?: number }): Promise<{ items: EventView[]; nextCursor: string | null }> {
  const type = optStr('type', query.type, { max: 100 });
  if (type) eventType('type', type);
  const limit = query.limit === undefined ? 50 : int('limit', query.limit, 1, EVENTS_PAGE_MAX);
  const before = query.cursor === undefined ? undefined : readEventsCursor(query.cursor);
  const items = await ctx.store.repos.notifyEvents.list({ type, before, limit: limit + 1 });
  const page = items.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(eventView), nextCursor: items.length > limit && last ? eventsCursor(last) : null };
}

export type EventDetail = EventView & {
  /** The messages the event made, with their current status; `to` as the message shows it (`Name <addr>`). */
  messages: { id: string; ruleId: string; status: string; to: string[]; subject: string; accountId: string | null }[];
};

export async function getEvent(ctx: CoreContext, id: string): Promise<EventDetail> {
  const repos = ctx.store.repos;
  const e = await repos.notifyEvents.get(id);
  if (!e) throw notFound('event', id);
  const messages: EventDetail['messages'] = [];
  // `to` has always been the recipients' addresses here, which clients compare with addresses:
  // the message itself (GET /messages/:id) shows them with their names.
  for (const m of e.matches) {
    for (const messageId of m.messageIds) {
      const msg = await repos.messages.get(messageId);
      if (msg) messages.push({ id: msg.id, ruleId: m.ruleId, status: msg.status, to: msg.to.map((t) => t.address), subject: msg.subject, accountId: msg.accountId });
    }
  }
  return { ...eventView(e), messages };
}
