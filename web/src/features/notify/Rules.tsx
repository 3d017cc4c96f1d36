import { api, notifyChanged, type List, type Rule } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useList } from '../../lists.js';
import { Link } from '../../router.js';
import { Badge, DataTable, Empty, ErrorBox, ListState, NewItemLink, PageHeader } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { describeCondition } from './conditions.js';

/**
 * Notification rules in the order they are tried (lowest priority number first). Admins move
 * a rule up or down (the whole order is saved at once) and open one to edit it.
 */
export function Rules() {
  const { can } = useSession();
  const rules = useList<Rule>('/rules');
  const move = useAction();

  const shift = async (index: number, by: -1 | 1) => {
    const ids = rules.items.map((r) => r.id);
    [ids[index], ids[index + by]] = [ids[index + by], ids[index]];
    if (await move.run(() => api.post<List<Rule>>('/rules/reorder', { ids }))) {
      rules.reload();
      notifyChanged();
    }
  };

  return (
    <>
      <PageHeader
        title="Notification rules"
        subtitle="When an application raises an event, the first matching rule (top first) decides who is mailed, with which template, from which account. A rule that continues lets the next matching one mail too."
        actions={can('admin') ? <NewItemLink to="/rules/new">New rule</NewItemLink> : null}
      />
      <ErrorBox error={move.error} title="Not moved" />
      <ListState list={rules} empty={<Empty title="No rule yet">{can('admin') ? <p>Create one: events are stored either way, and mail goes out once a rule matches.</p> : <p>An admin can create one.</p>}</Empty>}>
        <DataTable
          rows={rules.items}
          rowKey={(r) => r.id}
          columns={[
            { header: 'Order', cell: (r) => <span className="nowrap">{rules.items.indexOf(r) + 1} <span className="muted small">({r.priority})</span></span> },
            { header: 'Rule', cell: (r) => <><Link to={`/rules/${r.id}`}>{r.name}</Link>{r.enabled ? null : <> <Badge kind="warn">off</Badge></>}{r.continue ? <> <Badge>continues</Badge></> : null}</> },
            { header: 'Events', cell: (r) => r.events.map((e) => <Badge key={e}>{e}</Badge>) },
            { header: 'Conditions', cell: (r) => (r.conditions.length ? r.conditions.map((c, i) => <div key={i} className="small"><code>{describeCondition(c)}</code></div>) : <span className="muted">every event</span>) },
            { header: 'Recipients', cell: (r) => [...r.recipients.roles.map((x) => `role ${x}`), ...r.recipients.addresses].join(', ') },
            { header: 'Template', cell: (r) => <Link to={`/templates/${r.template}`}>{r.template}</Link> },
          ]}
          actions={
            can('admin')
              ? (r) => {
                  const i = rules.items.indexOf(r);
                  return (
                    <>
                      <button type="button" className="btn btn-small" disabled={i === 0 || move.busy} onClick={() => shift(i, -1)} aria-label={`Move ${r.name} up`}>
                        ↑
                      </button>
                      <button type="button" className="btn btn-small" disabled={i === rules.items.length - 1 || move.busy} onClick={() => shift(i, 1)} aria-label={`Move ${r.name} down`}>
                        ↓
                      </button>
                    </>
                  );
                }
              : undefined
          }
        />
      </ListState>
    </>
  );
}
