import type { FormEvent } from 'react';
import type { MailAccount } from '../../api.js';
import { useList } from '../../lists.js';
import { Checkbox, ErrorBox, Field, FieldError, FormActions, Notice, PageHeader, UnsavedChangesGuard } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { BuiltinTextFields } from './BuiltinTextFields.js';
import { StoredBuiltinRule, useBuiltinRuleDraft, type StoredRule } from './BuiltinRuleSetting.js';
import { VersionConflict } from '../../ui/VersionConflict.js';

/** The contact form's auto-reply: on/off, the account, subject and body with {name} and {subject}. */
export function ContactAutoReply() {
  return <StoredBuiltinRule rule="contactAutoReply" form={(stored) => <ReplyForm stored={stored} />} />;
}

function ReplyForm({ stored }: { stored: StoredRule<'contactAutoReply'> }) {
  const { can } = useSession();
  const accounts = useList<MailAccount>('/accounts');
  const reply = useBuiltinRuleDraft('contactAutoReply', stored);
  const v = reply.draft;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await reply.save();
  };
  return (
    <>
      <PageHeader title="Contact auto-reply" subtitle="Answers each contact.submitted event’s sender once: never a machine (mailer-daemon, Auto-Submitted, lists), never one address twice within 24 hours, always with Auto-Submitted: auto-replied." />
      <form className="card form" onSubmit={submit} aria-label="Contact auto-reply">
        <fieldset disabled={!can('admin')} className="form-grid">
          <Checkbox checked={v.enabled} onChange={(enabled) => reply.set({ enabled })}>
            Answer contact form submissions
          </Checkbox>
          {/* A row of its own: an address is longer than a grid column at 1280 px. */}
          <Field label="Send from" id="car-account" wide hint="An account, or let the contact_autoreply purpose decide (its accounts, then the default sender).">
            <AccountSelect id="car-account" className="select-fit" accounts={accounts.items} none="chosen by the purpose" value={v.accountId ?? ''} onChange={(accountId) => reply.set({ accountId: accountId || null })} aria-invalid={reply.errorAt('accountId') ? true : undefined} />
            <FieldError id="car-account-err" message={reply.errorAt('accountId')} />
          </Field>
          <BuiltinTextFields id="car" subject={v.subject} body={v.body} placeholders={['name', 'subject']} onSubject={(subject) => reply.set({ subject })} onBody={(body) => reply.set({ body })} errorAt={reply.errorAt} />
        </fieldset>
        <ErrorBox error={reply.error} title="Not saved" />
        <VersionConflict state={reply.conflict} what="the contact auto-reply" dirty={reply.dirty} load={reply.load} />
        {reply.saved ? <Notice kind="success">Saved.</Notice> : null}
        {can('admin') ? <FormActions submit={{ label: 'Save', busy: reply.busy }} /> : null}
      </form>
      <UnsavedChangesGuard dirty={can('admin') && reply.dirty} what="the contact auto-reply" />
    </>
  );
}
