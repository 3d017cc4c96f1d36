import { useState, type FormEvent } from 'react';
import { api, type ApiKey, type NewApiKey } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { useList } from '../../lists.js';
import { Badge, ConfirmButton, DataTable, Empty, ErrorBox, Field, ListState, PageHeader, ShownOnce, useSelection } from '../../ui/index.js';

const SCOPES = [
  ['send', 'send mail and events'],
  ['read', 'read the logs'],
  ['admin', 'everything'],
] as const;

export function ApiKeys() {
  const keys = useList<ApiKey>('/api-keys');
  const [name, setName] = useState('');
  const scopes = useSelection(['send']);
  const [allowOverride, setAllowOverride] = useState(false);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const create = useAction();
  const revoke = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const r = await create.run(() => api.post<NewApiKey>('/api-keys', { name: name.trim(), scopes: [...scopes.selected], allowOverride }));
    if (r) {
      setCreated({ name: r.name, key: r.key });
      setName('');
      keys.reload();
    }
  };
  return (
    <>
      <PageHeader title="API keys" subtitle="Keys for applications: send with “send”, read logs with “read”." />
      {created ? (
        <ShownOnce title={`New key “${created.name}”`} value={created.key} label="The new API key" note="Mailroom stores only a hash." onDone={() => setCreated(null)} testId="new-api-key" />
      ) : null}
      <ErrorBox error={revoke.error} title="Not revoked" />
      <ListState list={keys} empty={<Empty title="No API keys yet">Create one below for each application that sends mail.</Empty>}>
        <DataTable
          rows={keys.items}
          rowKey={(k) => k.id}
          rowProps={(k) => ({ className: k.revokedAt ? 'revoked' : undefined })}
          columns={[
            { header: 'Name', cell: (k) => k.name },
            { header: 'Key', cell: (k) => <code>{k.prefix}…</code> },
            {
              header: 'Scopes',
              cell: (k) => (
                <>
                  {k.scopes.map((s) => (
                    <Badge key={s}>{s}</Badge>
                  ))}
                  {k.allowOverride ? <Badge kind="info">override</Badge> : null}
                </>
              ),
            },
            { header: 'Last used', cell: (k) => (k.lastUsedAt ? formatDate(k.lastUsedAt) : 'never') },
          ]}
          actions={(k) =>
            k.revokedAt ? (
              <Badge kind="bad">revoked {formatDate(k.revokedAt)}</Badge>
            ) : (
              <ConfirmButton label="Revoke" className="btn btn-small btn-danger" question={`Revoke “${k.name}”? Applications using it stop working.`} onConfirm={() => void revoke.run(() => api.del(`/api-keys/${k.id}`).then(keys.reload))} />
            )
          }
        />
      </ListState>
      <form className="card form" onSubmit={submit} aria-labelledby="new-key-h">
        <h2 id="new-key-h">Create a key</h2>
        <div className="form-grid">
          <Field label="Name" id="key-name" hint="Which application uses it.">
            <input id="key-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <fieldset className="field">
            <legend>Scopes</legend>
            {SCOPES.map(([s, help]) => (
              <label key={s} className="checkbox-inline">
                <input type="checkbox" checked={scopes.selected.has(s)} onChange={() => scopes.toggle(s)} /> {s} <span className="muted small">— {help}</span>
              </label>
            ))}
          </fieldset>
          <div className="field checkbox-field">
            <label>
              <input type="checkbox" checked={allowOverride} onChange={(e) => setAllowOverride(e.target.checked)} /> May choose the account per message
            </label>
          </div>
        </div>
        <ErrorBox error={create.error} title="Not created" />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={create.busy || scopes.selected.size === 0}>
            {create.busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </>
  );
}
