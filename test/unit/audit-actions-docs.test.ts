import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, checkAuditFilters } from '../../src/core/kernel/audit-actions.js';
import { isMailroomError } from '../../src/core/kernel/errors.js';

/** docs/api.md's "Audit actions" lists exactly the actions the audit log records (`kind.a|b` spells kind.a and kind.b). */
const doc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
const section = (heading: string) => doc.slice(doc.indexOf(heading), doc.indexOf('\n## ', doc.indexOf(heading) + 1));

describe('audit actions in docs/api.md', () => {
  it('lists every recorded action and no other', () => {
    const listed = [...section('## Audit actions').matchAll(/`([a-z_0-9]+)\.([a-z_0-9|]+)`/g)].flatMap((m) => m[2].split('|').map((verb) => `${m[1]}.${verb}`));
    expect([...new Set(listed)].sort()).toEqual([...AUDIT_ACTIONS].sort());
  });

  it('names every target type the filter accepts', () => {
    const query = section('## Audit log');
    for (const t of AUDIT_TARGET_TYPES) expect(query, `targetType ${t}`).toContain(`\`${t}\``);
  });
});

describe('audit filters', () => {
  const refusal = (filters: { action?: string; targetType?: string }) => {
    try {
      checkAuditFilters(filters);
    } catch (err) {
      if (isMailroomError(err)) return { message: err.message, details: err.details };
      throw err;
    }
    return undefined;
  };

  it('accepts every known action and target type, and none given', () => {
    for (const action of AUDIT_ACTIONS) expect(refusal({ action })).toBeUndefined();
    for (const targetType of AUDIT_TARGET_TYPES) expect(refusal({ targetType })).toBeUndefined();
    expect(refusal({})).toBeUndefined();
  });

  it("names the kind's own actions for a mistyped verb, and the kinds for an unknown kind", () => {
    const verb = refusal({ action: 'server.updated' });
    expect(verb?.message).toBe('action: "server.updated" is not an action the audit log records; server\'s actions are server.create, server.update, server.delete');
    expect(verb?.details).toEqual({ field: 'action', allowed: AUDIT_ACTIONS });
    expect(refusal({ action: 'servers' })?.message).toMatch(/^action: "servers" is not an action the audit log records; actions are named <kind>\.<verb>, of the kinds server, account, user, /);
    expect(refusal({ targetType: 'accounts' })).toEqual({ message: expect.stringMatching(/^targetType: "accounts" is not a target type of the audit log; use one of account, apikey, /), details: { field: 'targetType', allowed: AUDIT_TARGET_TYPES } });
  });
});
