import { useState, type FormEvent } from 'react';
import { api, type MailAccount, type MailServer } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useList } from '../../lists.js';
import { Link } from '../../router.js';
import { Checkbox, ErrorBox, Field, FieldError, FormActions, Notice, PageHeader, Select, UnsavedChangesGuard } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { BuiltinTextFields } from './BuiltinTextFields.js';
import { StoredBuiltinRule, useBuiltinRuleDraft, type StoredRule } from './BuiltinRuleSetting.js';
import { ReportOverrides } from './ReportOverrides.js';
import { VersionConflict } from '../../ui/VersionConflict.js';

/** Report mail for report.ready events: the switch, the sender, the default text, and a test to oneself. */
export function Reports() {
  return <StoredBuiltinRule rule="reports" form={(stored) => <ReportsForm stored={stored} />} />;
}

function ReportsForm({ stored }: { stored: StoredRule<'reports'> }) {
  const { can } = useSession();
  const servers = useList<MailServer>('/servers');
  const accounts = useList<MailAccount>('/accounts');
  const reports = useBuiltinRuleDraft('reports', stored);
  const v = reports.draft;
  const test = useAction();
  // What the test email says: it goes once the form changes, like "Saved.".
  const [note, setNote] = useState<string | null>(null);
  const onServer = accounts.items.filter((a) => !v.serverId || a.serverId === v.serverId);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setNote(null);
    await reports.save();
  };
  const sendTest = async () => {
    setNote(null);
    const r = await test.run(() => api.post<{ messageId: string; to: string }>('/settings/reports/test', {}));
    if (r) setNote(`Test email to ${r.to} queued.`);
  };

  return (
    <>
      <PageHeader title="Reports" subtitle="Report mail for report.ready events: everyone the event names gets the report’s name, period and link. Individual reports may be sent from their own account (listed below, or named by the event with an API key allowed to override)." />
      <form className="card form" onSubmit={submit} aria-label="Report mail">
        <fieldset disabled={!can('admin')} className="form-grid">
          <Checkbox checked={v.enabled} onChange={(enabled) => reports.set({ enabled })}>
            Send report mail
          </Checkbox>
          <Checkbox checked={v.useDefault} onChange={(useDefault) => reports.set({ useDefault })}>
            Use the default sender (the report purpose’s account)
          </Checkbox>
          {v.useDefault ? null : (
            <>
              <Field label="Server" id="rep-server">
                <Select id="rep-server" options={servers.items} valueOf={(s) => s.id} labelOf={(s) => s.name} none="any server" value={v.serverId ?? ''} onChange={(serverId) => reports.set({ serverId: serverId || null, accountId: null })} />
              </Field>
              <Field label="Account" id="rep-account">
                <AccountSelect id="rep-account" required accounts={onServer} none="choose an account" value={v.accountId ?? ''} onChange={(accountId) => reports.set({ accountId: accountId || null })} aria-invalid={reports.errorAt('accountId') ? true : undefined} />
                <FieldError id="rep-account-err" message={reports.errorAt('accountId')} />
              </Field>
            </>
          )}
          <ReportOverrides overrides={v.overrides ?? []} accounts={accounts.items} onChange={(overrides) => reports.set({ overrides })} errorAt={reports.errorAt} />
          <BuiltinTextFields id="rep" subject={v.subject} body={v.body} placeholders={['name', 'period', 'url']} onSubject={(subject) => reports.set({ subject })} onBody={(body) => reports.set({ body })} errorAt={reports.errorAt} />
        </fieldset>
        <ErrorBox error={reports.error ?? test.error} title={reports.error ? 'Not saved' : 'Test not sent'} />
        <VersionConflict state={reports.conflict} what="the report mail settings" dirty={reports.dirty} load={reports.load} />
        {reports.saved ? <Notice kind="success">Saved.</Notice> : null}
        {note && !reports.dirty ? (
          <Notice kind="success">
            {note} <Link to="/messages?purpose=report">Email log</Link>
          </Notice>
        ) : null}
        {/* The hint speaks of the test button: without the button (a viewer) it has nothing to explain. */}
        {can('admin') ? (
          <>
            <div className="form-actions">
              <FormActions submit={{ label: 'Save', busy: reports.busy }} />
              {/* The test sends what is stored: with unsaved changes it would not send what the form shows. */}
              <button type="button" className="btn" onClick={sendTest} disabled={test.busy || reports.dirty} aria-describedby="rep-test-hint">
                {test.busy ? 'Sending…' : 'Send a test email to me'}
              </button>
            </div>
            <p className="muted small" id="rep-test-hint">
              {reports.dirty ? 'Save first: the test sends the saved settings.' : 'The test uses the saved settings with sample values, even while report mail is off.'}
            </p>
          </>
        ) : null}
      </form>
      <UnsavedChangesGuard dirty={can('admin') && reports.dirty} what="the report mail settings" />
    </>
  );
}
