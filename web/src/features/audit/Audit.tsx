import { useEffect, useState } from 'react';
import { withQuery, type AuditEntry } from '../../api.js';
import { formatDate } from '../../format.js';
import { usePagedList } from '../../lists.js';
import { Link, navigate, useLocation } from '../../router.js';
import { Empty, FilterForm, ListState, LoadMore, PageHeader } from '../../ui/index.js';
import { AuditChanges } from './AuditChanges.js';
import { stateInWords, type Names } from './changes.js';
import { targetOf, type Target } from './target.js';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES } from '../../../../src/core/kernel/audit-actions.js';

/** The actions by kind (`server.create` under "server"), as the filter's menu groups them. */
const ACTIONS_BY_KIND = Object.entries(
  AUDIT_ACTIONS.reduce<Record<string, string[]>>((kinds, a) => {
    const kind = a.slice(0, a.indexOf('.'));
    (kinds[kind] ??= []).push(a);
    return kinds;
  }, {}),
);

const FILTER_KEYS = ['action', 'actor', 'targetType'] as const;
type Filters = Record<(typeof FILTER_KEYS)[number], string>;

/**
 * The names a change is said with. A key-named target's key (a template `password_reset`) names
 * that target only: the same text inside the change may be another kind's key (its purpose
 * `password_reset`), which may still exist, so it is left as written there.
 */
function namesForChanges(e: AuditEntry, target: Target): Names {
  if (!target.keyed || !e.targetId || !(e.targetId in e.names)) return e.names;
  const { [e.targetId]: _target, ...rest } = e.names;
  return rest;
}

/** A menu's choices, each shown as the value it filters on. */
const options = (values: readonly string[]) =>
  values.map((v) => (
    <option key={v} value={v}>
      {v}
    </option>
  ));

const filtersFrom = (query: URLSearchParams): Filters => Object.fromEntries(FILTER_KEYS.map((k) => [k, query.get(k) ?? ''])) as Filters;

/**
 * Who changed what and when; before/after arrive with secrets already redacted by the server, and
 * every id an entry shows named by it (`names`), deleted items too: no other list is fetched.
 * The filters live in the address bar, so a filtered view survives a reload and Back undoes it.
 */
export function Audit() {
  const { query } = useLocation();
  const filters = filtersFrom(query);
  const key = JSON.stringify(filters);
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(JSON.parse(key) as Filters), [key]);
  const log = usePagedList<AuditEntry>('/audit', { ...filters, limit: 50 });

  const apply = () => {
    const to = withQuery('/audit', draft);
    // Apply always asks again, even for the filters already shown.
    if (to === withQuery('/audit', filters)) log.restart();
    else navigate(to);
  };

  return (
    <>
      <PageHeader title="Audit log" subtitle="Every configuration change and permanent failure: who, what, when, before and after." />
      <FilterForm label="Filter the audit log" submitLabel="Apply" onApply={apply}>
        <label>
          <span>Action</span>
          <select value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })}>
            <option value="">Any action</option>
            {ACTIONS_BY_KIND.map(([kind, actions]) => (
              <optgroup key={kind} label={kind}>
                {options(actions)}
              </optgroup>
            ))}
          </select>
        </label>
        <label>
          <span>Actor</span>
          <input value={draft.actor} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} placeholder="user:admin@example.com" />
        </label>
        <label>
          <span>Target type</span>
          <select value={draft.targetType} onChange={(e) => setDraft({ ...draft, targetType: e.target.value })}>
            <option value="">Any target</option>
            {options(AUDIT_TARGET_TYPES)}
          </select>
        </label>
      </FilterForm>
      <ListState
        list={log}
        empty={
          filters.action || filters.actor || filters.targetType ? (
            <Empty title="No entry matches these filters">
              {filters.actor ? (
                <p>The actor matches exactly, as the log shows it: <code>user:admin@example.com</code>, <code>apikey:ci (key_…)</code>, <code>cli</code> or <code>system</code>.</p>
              ) : null}
            </Empty>
          ) : (
            <Empty title="Nothing recorded yet" />
          )
        }
      >
        <ul className="audit-list">
          {log.items.map((e) => {
            const target = targetOf(e);
            return (
              <li key={e.id} className="card audit-entry">
                <div className="audit-head">
                  <code className="audit-action">{e.action}</code>
                  <span className="audit-target">
                    {target.name ? (
                      <>
                        {target.kind} {target.to ? <Link to={target.to}>{target.name}</Link> : <strong>{target.name}</strong>}
                        {stateInWords(target)}
                        {target.was ? <span className="muted"> (was {target.was})</span> : null}
                      </>
                    ) : target.to ? (
                      <Link to={target.to}>{target.kind}</Link>
                    ) : (
                      target.kind
                    )}
                  </span>
                  <span className="muted small">
                    {e.actor}
                    {e.ip ? ` · ${e.ip}` : ''} · {formatDate(e.at)}
                  </span>
                </div>
                <AuditChanges action={e.action} before={e.before} after={e.after} names={namesForChanges(e, target)} />
              </li>
            );
          })}
        </ul>
      </ListState>
      <LoadMore list={log} label="Load older entries" />
    </>
  );
}
