import { useState, type FormEvent } from 'react';
import { api, notifyChanged, type MailAccount, type Settings } from '../../api.js';
import { useAction, useResource } from '../../hooks.js';
import { useList } from '../../lists.js';
import { ErrorBox, Field, FormActions, Notice, PageHeader, Spinner } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { BuiltinTextFields } from './BuiltinTextFields.js';

type Reply = Settings['contactAutoReply']['value'];

/** The contact form's auto-reply: on/off, the account, subject and body with {name} and {subject}. */
export function ContactAutoReply() {
  const settings = useResource(() => api.get<Settings>('/settings'), []);
  if (!settings.data) return settings.error ? <ErrorBox error={settings.error} title="Cannot load the settings" /> : <Spinner />;
  return <ReplyForm value={settings.data.contactAutoReply.value} />;
}

function ReplyForm({ value }: { value: Reply }) {
  const { can } = useSession();
  const accounts = useList<MailAccount>('/accounts');
  const [v, setV] = useState<Reply>(value);
  const save = useAction();
  const [saved, setSaved] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    if (await save.run(() => api.patch<Settings>('/settings', { contactAutoReply: v }))) {
      setSaved(true);
      notifyChanged();
    }
  };
  return (
    <>
      <PageHeader title="Contact auto-reply" subtitle="Answers each contact.submitted event’s sender once: never a machine (mailer-daemon, Auto-Submitted, lists), never one address twice within 24 hours, always with Auto-Submitted: auto-replied." />
      {saved ? <Notice kind="success">Saved.</Notice> : null}
      <form className="card form" onSubmit={submit} aria-label="Contact auto-reply">
        <fieldset disabled={!can('admin')} className="form-grid">
          <label className="checkbox-inline">
            <input type="checkbox" checked={v.enabled} onChange={(e) => setV({ ...v, enabled: e.target.checked })} /> Answer contact form submissions
          </label>
          <Field label="Send from" id="car-account" hint="Or let the contact_autoreply purpose decide.">
            <select id="car-account" value={v.accountId ?? ''} onChange={(e) => setV({ ...v, accountId: e.target.value || null })}>
              <option value="">the contact_autoreply purpose’s account</option>
              {accounts.items.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.address}
                </option>
              ))}
            </select>
          </Field>
          <BuiltinTextFields id="car" subject={v.subject} body={v.body} placeholders={['name', 'subject']} onSubject={(subject) => setV({ ...v, subject })} onBody={(body) => setV({ ...v, body })} />
        </fieldset>
        <ErrorBox error={save.error} title="Not saved" />
        {can('admin') ? <FormActions submit={{ label: 'Save', busy: save.busy }} /> : null}
      </form>
    </>
  );
}
