import { describe, expect, it } from 'vitest';
import { boundedTest, compilePattern, EVENT_PATTERN_BUDGET_MS, INPUT_MAX_CHARS, MATCH_DEADLINE_MS, patternBudget, SharedPatternTime } from '../../src/core/notify/bounded-regex.js';
import { meets, parseConditions, valueAt } from '../../src/core/notify/conditions.js';
import { fillPlaceholders } from '../../src/core/notify/builtin-mail.js';
import { automatedSender } from '../../src/core/notify/contact-auto-reply.js';
import { eventPattern, typeMatches } from '../../src/core/notify/event-types.js';
import { conditionView, parseEvent } from '../../src/core/notify/events.js';
import { ruleRecipients } from '../../src/core/notify/recipients.js';
import { judge, parseRuleInput, type Rule } from '../../src/core/notify/rules.js';
import { MailroomError } from '../../src/core/kernel/errors.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as MailroomError).code;
  }
  return 'no error';
};

describe('event type patterns', () => {
  it('"*" stands for any run of characters, dots included; without "*" only the type itself', () => {
    expect(typeMatches('access.request.*', 'access.request.created')).toBe(true);
    expect(typeMatches('access.request.*', 'access.request.status.changed')).toBe(true);
    expect(typeMatches('access.request.*', 'access.requests.created')).toBe(false);
    expect(typeMatches('*.created', 'access.request.created')).toBe(true);
    expect(typeMatches('*', 'anything.at.all')).toBe(true);
    expect(typeMatches('alert.triggered', 'alert.triggeredx')).toBe(false);
    // A dot is a dot, not "any character".
    expect(typeMatches('a.b', 'aXb')).toBe(false);
  });
  it('matches as the pattern read as a regular expression would, piece by piece', () => {
    // Every pattern of up to 5 characters over {a, b, *} against every type of up to 6 over {a, b}.
    const words = (alphabet: string[], max: number) => {
      const out = [''];
      for (let n = 1; n <= max; n++) for (const w of out.filter((x) => x.length === n - 1)) for (const c of alphabet) out.push(w + c);
      return out;
    };
    const types = words(['a', 'b'], 6).filter(Boolean);
    for (const pattern of words(['a', 'b', '*'], 5).filter(Boolean)) {
      const re = new RegExp(`^${pattern.replace(/\*+/g, '.*')}$`);
      for (const type of types) expect(typeMatches(pattern, type), `${pattern} ~ ${type}`).toBe(re.test(type));
    }
  });
  it('answers at once for a pattern a regular expression would backtrack on for hours', () => {
    // Not a timing test: as a regular expression this call does not return within the test's timeout.
    expect(typeMatches('*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(100))).toBe(false);
    expect(typeMatches('*a*a*a*a*a*a*a*a*a*a*a*a*b', `${'a'.repeat(99)}b`)).toBe(true);
  });
  it('refuses patterns that are not event names', () => {
    for (const bad of ['Access.*', 'a..b', 'a b', '(a|b)', '']) expect(codeOf(() => eventPattern('events[0]', bad))).toBe('MAILROOM_E_VALIDATION');
  });
});

describe('conditions', () => {
  const event = parseEvent(
    { type: 'access.request.created', id: 'e1', data: { company: 'Acme', count: 42, tags: ['vip', 'eu'], nested: { ok: true }, empty: null }, recipients: { owner: ['o@example.com'] } },
    Date.UTC(2026, 0, 1),
  );
  const view = conditionView(event);
  const ok = (c: unknown) => meets(parseConditions('c', [c])[0], view).ok;

  it('eq, neq, in compare numbers and text by their text; a list field matches when one item does', () => {
    expect(ok({ path: 'data.company', op: 'eq', value: 'Acme' })).toBe(true);
    expect(ok({ path: 'data.company', op: 'eq', value: 'acme' })).toBe(false);
    expect(ok({ path: 'data.count', op: 'eq', value: '42' })).toBe(true);
    expect(ok({ path: 'data.count', op: 'eq', value: 42 })).toBe(true);
    expect(ok({ path: 'data.tags', op: 'eq', value: 'eu' })).toBe(true);
    expect(ok({ path: 'data.company', op: 'neq', value: 'Globex' })).toBe(true);
    expect(ok({ path: 'data.missing', op: 'neq', value: 'x' })).toBe(true);
    expect(ok({ path: 'data.company', op: 'in', value: ['Globex', 'Acme'] })).toBe(true);
    expect(ok({ path: 'data.company', op: 'in', value: ['Globex'] })).toBe(false);
    expect(ok({ path: 'data.nested.ok', op: 'eq', value: true })).toBe(true);
    expect(ok({ path: 'recipients.owner', op: 'eq', value: 'o@example.com' })).toBe(true);
    expect(ok({ path: 'type', op: 'eq', value: 'access.request.created' })).toBe(true);
  });
  it("compares recipients' addresses as mail does: the address as the application wrote it, in any case", () => {
    const olga = conditionView(parseEvent({ type: 'a.b', id: 'e2', recipients: { owner: ['Olga <Olga@ACME.example>'] } }, Date.UTC(2026, 0, 1)));
    const on = (c: unknown) => meets(parseConditions('c', [c])[0], olga).ok;
    for (const value of ['Olga@ACME.example', 'olga@acme.example', 'Olga <Olga@acme.example>', ' OLGA@acme.EXAMPLE ']) {
      expect(on({ path: 'recipients.owner', op: 'eq', value }), value).toBe(true);
      expect(on({ path: 'recipients.owner', op: 'neq', value }), value).toBe(false);
    }
    expect(on({ path: 'recipients.owner', op: 'in', value: ['x@example.net', 'OLGA@acme.example'] })).toBe(true);
    expect(on({ path: 'recipients.owner', op: 'eq', value: 'olga@acme.example.org' })).toBe(false);
    expect(on({ path: 'recipients.owner', op: 'eq', value: 'not an address' })).toBe(false);
  });
  it('exists: present and not null (or absent with value false)', () => {
    expect(ok({ path: 'data.company', op: 'exists' })).toBe(true);
    expect(ok({ path: 'data.empty', op: 'exists' })).toBe(false);
    expect(ok({ path: 'data.missing', op: 'exists', value: false })).toBe(true);
    expect(ok({ path: 'recipients.approver', op: 'exists' })).toBe(false);
  });
  it('never reads inherited properties', () => {
    expect(valueAt({ data: {} }, 'data.constructor')).toBeUndefined();
    expect(ok({ path: 'data.toString', op: 'exists' })).toBe(false);
    expect(ok({ path: 'data.__proto__', op: 'exists' })).toBe(false);
  });
  it('matches: a regular expression, refused when it does not compile or is too long', () => {
    expect(ok({ path: 'data.company', op: 'matches', value: '^Ac' })).toBe(true);
    expect(ok({ path: 'data.count', op: 'matches', value: '^4\\d$' })).toBe(true);
    expect(codeOf(() => parseConditions('c', [{ path: 'data.x', op: 'matches', value: '(' }]))).toBe('MAILROOM_E_VALIDATION');
    expect(codeOf(() => parseConditions('c', [{ path: 'data.x', op: 'matches', value: 'a'.repeat(201) }]))).toBe('MAILROOM_E_VALIDATION');
  });
  it('refuses paths outside the event, unknown operators and missing values', () => {
    for (const c of [{ path: 'constructor', op: 'eq', value: 1 }, { path: 'data', op: 'eq', value: 1 }, { path: 'data.a', op: 'like', value: 1 }, { path: 'data.a', op: 'eq' }, { path: 'data.a', op: 'in', value: [] }]) {
      expect(codeOf(() => parseConditions('c', [c]))).toBe('MAILROOM_E_VALIDATION');
    }
  });
});

describe('bounded regular expressions', () => {
  it('stops a catastrophic pattern at its deadline and says so', () => {
    const started = Date.now();
    const r = boundedTest(compilePattern('p', '^(a+)+$'), `${'a'.repeat(40)}b`);
    expect(r.matched).toBe(false);
    expect(r.note).toMatch(/stopped/);
    expect(Date.now() - started).toBeLessThan(2 * MATCH_DEADLINE_MS + 1000);
  });
  it('does not try a pattern on overlong text', () => {
    expect(boundedTest(/a/u, 'a'.repeat(INPUT_MAX_CHARS + 1))).toEqual({ matched: false, note: expect.stringMatching(/longer than/) });
    expect(boundedTest(/a/u, 'a'.repeat(INPUT_MAX_CHARS)).matched).toBe(true);
  });
});

describe('recipients and judging', () => {
  const rule = (over: Partial<Rule>): Rule => ({
    id: over.id ?? 'r',
    name: over.name ?? 'r',
    enabled: true,
    priority: 100,
    events: ['*'],
    conditions: [],
    recipients: { roles: ['owner'], addresses: [] },
    template: 'alert',
    accountId: null,
    purpose: null,
    continue: false,
    createdBy: null,
    createdAt: 0,
    updatedAt: 0,
    version: 1,
    ...over,
  });
  it("one event's pattern tests share one budget: a long list of backtracking items stops after it, the rest not tried", () => {
    const slow = parseConditions('c', [{ path: 'data.tags', op: 'matches', value: '^(\\w+\\s?)*$' }]);
    const rules = [rule({ id: 'a', name: 'A', priority: 1, continue: true, conditions: slow }), rule({ id: 'b', name: 'B', priority: 2, continue: true, conditions: slow })];
    const event = parseEvent({ type: 'order.created', data: { tags: Array.from({ length: 30 }, () => `${'a'.repeat(33)}!`) } }, 0);
    const started = Date.now();
    // A process's pattern time of its own: the tests before this one spent the shared one.
    const verdicts = judge(rules, event.type, conditionView(event), patternBudget(EVENT_PATTERN_BUDGET_MS, new SharedPatternTime()));
    // Without the budget: 30 items × 2 tries × 50 ms per rule, 6 s for these two rules.
    expect(Date.now() - started).toBeLessThan(EVENT_PATTERN_BUDGET_MS + 1500);
    expect(verdicts.map((v) => v.matched)).toEqual([false, false]);
    expect(verdicts[1].reason).toContain(`the event's ${EVENT_PATTERN_BUDGET_MS} ms for pattern tests were spent`);
    expect(verdicts[1].undecided).toBe(true);
  });
  it('roles, then fixed addresses, each address once with all its roles', () => {
    const event = parseEvent({ type: 'a.b', recipients: { owner: ['Olga <olga@example.com>'], approver: ['OLGA@example.com', 'abe@example.com'] } }, 0);
    const people = ruleRecipients(rule({ recipients: { roles: ['owner', 'approver', 'absent'], addresses: ['abe@example.com', 'audit@example.com'] } }), event);
    expect(people.map((p) => [p.mailbox.address, p.mailbox.name ?? null, p.roles])).toEqual([
      ['olga@example.com', 'Olga', ['owner', 'approver']],
      ['abe@example.com', null, ['approver']],
      ['audit@example.com', null, []],
    ]);
  });
  it('priority order, first match stops unless it continues; switched-off rules are skipped; every rule gets a reason', () => {
    const rules = [
      rule({ id: 'c', name: 'C', priority: 30 }),
      rule({ id: 'a', name: 'A', priority: 10, continue: true, conditions: parseConditions('c', [{ path: 'data.x', op: 'eq', value: 1 }]) }),
      rule({ id: 'b', name: 'B', priority: 20 }),
      rule({ id: 'off', name: 'Off', priority: 5, enabled: false }),
      rule({ id: 'other', name: 'Other', priority: 1, events: ['x.*'] }),
    ];
    const event = parseEvent({ type: 'a.b', data: { x: 1 } }, 0);
    const verdicts = judge(rules, event.type, conditionView(event));
    expect(verdicts.map((v) => [v.rule.id, v.matched])).toEqual([['other', false], ['off', false], ['a', true], ['b', true], ['c', false]]);
    expect(verdicts[0].reason).toMatch(/not one of x\.\*/);
    expect(verdicts[1].reason).toBe('switched off');
    expect(verdicts[4].reason).toMatch(/rule "B" matched first/);
    const noX = parseEvent({ type: 'a.b', data: { x: 2 } }, 0);
    expect(judge(rules, noX.type, conditionView(noX)).find((v) => v.rule.id === 'a')?.reason).toBe('condition not met: data.x = 1');
  });
  it('a rule needs a role or an address, known fields, and an event pattern', () => {
    expect(codeOf(() => parseRuleInput({ name: 'x', events: ['a.b'], recipients: {}, template: 'alert' }, { partial: false }))).toBe('MAILROOM_E_VALIDATION');
    expect(codeOf(() => parseRuleInput({ name: 'x', events: [], recipients: { roles: ['owner'] }, template: 'alert' }, { partial: false }))).toBe('MAILROOM_E_VALIDATION');
    expect(codeOf(() => parseRuleInput({ name: 'x', events: ['a'], recipients: { roles: ['owner'] }, template: 'alert', script: 'x' }, { partial: false }))).toBe('MAILROOM_E_UNKNOWN_FIELD');
    expect(codeOf(() => parseRuleInput({ name: 'x', events: ['a'], recipients: { addresses: ['a@b.example\r\nBcc: c@d.example'] }, template: 'alert' }, { partial: false }))).toBe('MAILROOM_E_HEADER_INJECTION');
    expect(codeOf(() => parseRuleInput({ name: 'x' }, { partial: true }))).toBe('MAILROOM_E_VALIDATION');
  });
});

describe('contact auto-reply text', () => {
  it('fills {name} and {subject} literally; in a header line control characters become spaces', () => {
    const values = { name: '{{ 7*7 }} {subject}\r\nBcc: x@example.com', subject: 'Hi' };
    expect(fillPlaceholders('Re: {subject} {name}', values, { headerLine: true })).toBe('Re: Hi {{ 7*7 }} {subject} Bcc: x@example.com');
    expect(fillPlaceholders('Hello {name}', values, { headerLine: false })).toBe('Hello {{ 7*7 }} {subject}\r\nBcc: x@example.com');
    expect(fillPlaceholders('{nope} {Name}', values, { headerLine: true })).toBe('{nope} {Name}');
  });
  it('knows automated senders', () => {
    const mb = (address: string) => ({ address, local: address.split('@')[0], domain: address.split('@')[1] });
    expect(automatedSender({}, mb('mailer-daemon@example.com'))).toBeDefined();
    expect(automatedSender({}, mb('owner-list@example.com'))).toBeDefined();
    expect(automatedSender({}, mb('list-request@example.com'))).toBeDefined();
    expect(automatedSender({}, undefined)).toBeDefined();
    expect(automatedSender({ headers: { precedence: 'junk' } }, mb('a@example.com'))).toBeDefined();
    expect(automatedSender({ headers: { 'Auto-Submitted': 'no' } }, mb('a@example.com'))).toBeUndefined();
    expect(automatedSender({}, mb('ann@example.com'))).toBeUndefined();
    // The tagged forms of the same machines: a sub-address, a VERP suffix, another separator.
    for (const address of ['noreply+abc@example.net', 'bounce+abc@example.net', 'bounces-42@example.net', 'no_reply.billing@example.net', 'do-not-reply-7@example.net', 'NoReply+x@example.net', 'list-bounces+x=y@example.net']) {
      expect(automatedSender({}, mb(address)), address).toBeDefined();
    }
    // People whose names only start alike are answered.
    for (const address of ['bounceback@example.net', 'noreplyann@example.net', 'ann+noreply@example.net', 'bouncer.team@example.net']) {
      expect(automatedSender({}, mb(address)), address).toBeUndefined();
    }
  });
});
