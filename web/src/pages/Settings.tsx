import { api } from '../api.js';
import { DefaultsCard } from '../components/DefaultsCard.js';
import { Badge, Empty, ErrorBox, PageHeader, Spinner } from '../components/ui.js';
import { formatDate, pretty } from '../format.js';
import { useResource } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { settingsView } from '../settings.js';
import type { MailAccount, Page } from '../types.js';

const LABELS: Record<string, string> = {
  defaultAccountId: 'System default account',
  globalCc: 'Global CC',
  globalBcc: 'Global BCC',
  mailDriver: 'Mail driver',
  driver: 'Mail driver',
};

function show(v: unknown): string {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.join(', ') : '—';
  return pretty(v);
}

/** Every setting with where its value comes from; values fixed by the environment are locked. */
export function Settings() {
  const { can } = useSession();
  const settings = useResource(() => api.get<unknown>('/settings').then(settingsView), []);
  const accounts = useResource(() => api.get<Page<MailAccount>>('/accounts'), []);
  return (
    <>
      <PageHeader
        title="Settings"
        subtitle={
          <>
            Where each value comes from: the environment (<code>MAILROOM_*</code>), the database (set here or on <Link to="/routing">Routing</Link>), or the built-in default.
          </>
        }
      />
      <ErrorBox error={settings.error} />
      {settings.loading && !settings.data ? <Spinner /> : null}
      {settings.data?.length === 0 ? <Empty title="No settings reported" /> : null}
      {settings.data && settings.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Setting</th>
                <th scope="col">Value</th>
                <th scope="col">Source</th>
                <th scope="col">Editable</th>
              </tr>
            </thead>
            <tbody>
              {settings.data.map((s) => (
                <tr key={s.key} data-setting={s.key}>
                  <td data-label="Setting">
                    {LABELS[s.key] ?? s.key}
                    <div className="muted small">
                      <code>{s.key}</code>
                    </div>
                  </td>
                  <td data-label="Value" className="wrap">
                    {s.key === 'defaultAccountId' && typeof s.value === 'string' ? (accounts.data?.items.find((a) => a.id === s.value)?.address ?? s.value) : show(s.value)}
                  </td>
                  <td data-label="Source">
                    <Badge kind={s.source === 'env' ? 'info' : s.source === 'database' ? 'ok' : 'neutral'}>{s.source}</Badge>
                    {s.updatedBy && s.source === 'database' ? (
                      <div className="muted small">
                        by {s.updatedBy}, {formatDate(s.updatedAt)}
                      </div>
                    ) : null}
                  </td>
                  <td data-label="Editable">
                    {s.locked ? (
                      <span className="locked">
                        <Badge kind="warn">Locked</Badge>
                        {s.reason ? <span className="muted small">{s.reason}</span> : null}
                      </span>
                    ) : (
                      'Yes'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {settings.data && accounts.data ? (
        <DefaultsCard key={JSON.stringify(settings.data)} views={settings.data} accounts={accounts.data.items} editable={can('admin')} onSaved={settings.reload} />
      ) : null}
    </>
  );
}
