import { useState, type FormEvent } from 'react';
import { api, notifyChanged, type MailAccount, type MailServer, type Settings } from '../../api.js';
import { useAction, useResource } from '../../hooks.js';
import { useList } from '../../lists.js';
import { Link } from '../../router.js';
import { ErrorBox, Field, FormActions, Notice, PageHeader, Spinner } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { BuiltinTextFields } from './BuiltinTextFields.js';

type ReportMail = Settings['reports']['value'];

/** Report mail for report.ready events: the switch, the sender, the default text, and a test to oneself. */
export function Reports() {
  const settings = useResource(() => api.get<Settings>('/settings'), []);
  if (!settings.data) return settings.error ? <ErrorBox error={settings.error} title="Cannot load the settings" /> : <Spinner />;
  return <ReportsForm value={settings.data.reports.value} />;
}

function ReportsForm({ value }: { value: ReportMail }) {
  const { can } = useSession();
  const servers = useList<MailServer>('/servers');
  const accounts = useList<MailAccount>('/accounts');
  const [v, setV] = useState<ReportMail>(value);
  const save = useAction();
  const test = useAction();
  const [note, setNote] = useState<string | null>(null);
  const onServer = accounts.items.filter((a) => !v.serverId || a.serverId === v.serverId);
  const overrides = v.overrides ?? [];
  const setOverride = (i: number, patch: Partial<ReportMail['overrides'][number]>) => setV({ ...v, overrides: overrides.map((o, j) => (j === i ? { ...o, ...patch } : o)) });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNote(null);
    if (await save.run(() => api.patch<Settings>('/settings', { reports: v }))) {
      setNote('Saved.');
      notifyChanged();
    }
  };
  const sendTest = async () => {
    setNote(null);
    const r = await test.run(() => api.post<{ messageId: string; to: string }>('/settings/reports/test', {}));
    if (r) setNote(`Test email to ${r.to} queued (message ${r.messageId}).`);
  };

  return (
    <>
      <PageHeader title="Reports" subtitle="Report mail for report.ready events: everyone the event names gets the report’s name, period and link. Individual reports may be sent from their own account (listed below, or named by the event with an API key allowed to override)." />
      {note ? <Notice kind="success">{note} {note.startsWith('Test') ? <Link to="/messages?purpose=report">Email log</Link> : null}</Notice> : null}
      <form className="card form" onSubmit={submit} aria-label="Report mail">
        <fieldset disabled={!can('admin')} className="form-grid">
          <label className="checkbox-inline">
            <input type="checkbox" checked={v.enabled} onChange={(e) => setV({ ...v, enabled: e.target.checked })} /> Send report mail
          </label>
          <label className="checkbox-inline">
            <input type="checkbox" checked={v.useDefault} onChange={(e) => setV({ ...v, useDefault: e.target.checked })} /> Use the default sender (the report purpose’s account)
          </label>
          {v.useDefault ? null : (
            <>
              <Field label="Server" id="rep-server">
                <select id="rep-server" value={v.serverId ?? ''} onChange={(e) => setV({ ...v, serverId: e.target.value || null, accountId: null })}>
                  <option value="">any server</option>
                  {servers.items.map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Account" id="rep-account">
                <select id="rep-account" required value={v.accountId ?? ''} onChange={(e) => setV({ ...v, accountId: e.target.value || null })}>
                  <option value="">choose an account</option>
                  {onServer.map((a) => (
                    <option key={a.id} value={a.id}>
                      {a.address}
                    </option>
                  ))}
                </select>
              </Field>
            </>
          )}
          <div className="field-wide" role="group" aria-labelledby="rep-ovr-h">
            <h3 id="rep-ovr-h">Individual reports</h3>
            <p className="muted small">
              A report listed here is sent from its own account, whatever is chosen above. It is found by the event’s <code>data.report.id</code> or <code>data.report.name</code> (any case). A report
              event that names its own account still wins.
            </p>
            {overrides.map((o, i) => (
              <div key={i} className="form-grid">
                <Field label={`Report ${i + 1}`} id={`rep-ovr-${i}-report`} hint="its id or name">
                  <input id={`rep-ovr-${i}-report`} required value={o.report} onChange={(e) => setOverride(i, { report: e.target.value })} />
                </Field>
                <Field label={`Report ${i + 1} account`} id={`rep-ovr-${i}-account`}>
                  <select id={`rep-ovr-${i}-account`} required value={o.accountId} onChange={(e) => setOverride(i, { accountId: e.target.value, serverId: null })}>
                    <option value="">choose an account</option>
                    {accounts.items.map((a) => (
                      <option key={a.id} value={a.id}>
                        {a.address}
                      </option>
                    ))}
                  </select>
                </Field>
                <div className="form-actions">
                  <button type="button" className="btn" onClick={() => setV({ ...v, overrides: overrides.filter((_, j) => j !== i) })}>
                    Remove report {i + 1}
                  </button>
                </div>
              </div>
            ))}
            <button type="button" className="btn" onClick={() => setV({ ...v, overrides: [...overrides, { report: '', serverId: null, accountId: '' }] })}>
              Add a report
            </button>
          </div>
          <BuiltinTextFields id="rep" subject={v.subject} body={v.body} placeholders={['name', 'period', 'url']} onSubject={(subject) => setV({ ...v, subject })} onBody={(body) => setV({ ...v, body })} />
        </fieldset>
        <ErrorBox error={save.error ?? test.error} title={test.error ? 'Test not sent' : 'Not saved'} />
        {can('admin') ? (
          <div className="form-actions">
            <FormActions submit={{ label: 'Save', busy: save.busy }} />
            <button type="button" className="btn" onClick={sendTest} disabled={test.busy}>
              {test.busy ? 'Sending…' : 'Send a test email to me'}
            </button>
          </div>
        ) : null}
        <p className="muted small">The test uses the saved settings with sample values, even while report mail is off.</p>
      </form>
    </>
  );
}
