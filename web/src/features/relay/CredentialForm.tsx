import { useState, type FormEvent } from 'react';
import { api, notifyChanged, type MailAccount, type NewSmtpCredential, type Purpose, type RelayAuthentication, type SmtpCredential } from '../../api.js';
import { splitList } from '../../format.js';
import { useAction } from '../../hooks.js';
import { useList } from '../../lists.js';
import { ErrorBox, errorFor, Field, FieldError, FormActions, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { PurposeSelect } from '../routing/PurposeSelect.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';

const MIB = 1024 * 1024;

/**
 * The username is made from the name when the credential is created, and stays as created
 * (docs/relay.md): an edit of the name renames the application, not its login.
 */
function nameHint(editing: SmtpCredential | undefined): string {
  if (!editing) return 'Which application uses it; the username is made from it.';
  if (editing.authentication === 'password' && editing.username) return `Which application uses it. The username (${editing.username}) stays as created.`;
  return 'Which application uses it.';
}

interface Draft {
  name: string;
  authentication: RelayAuthentication;
  allowedFrom: string;
  purpose: string;
  accountId: string;
  maxMiB: string;
  maxRecipients: string;
  perMinute: string;
  allowedIps: string;
}

function draftOf(c?: SmtpCredential): Draft {
  return {
    name: c?.name ?? '',
    authentication: c?.authentication ?? 'password',
    allowedFrom: c?.allowedFrom.join(', ') ?? '',
    purpose: c?.purpose ?? '',
    accountId: c?.accountId ?? '',
    maxMiB: String((c?.maxMessageBytes ?? 10 * MIB) / MIB),
    maxRecipients: String(c?.maxRecipients ?? 50),
    perMinute: c?.perMinute?.toString() ?? '',
    allowedIps: c?.allowedIps.join(', ') ?? '',
  };
}

/**
 * Creates a credential (then `onCreated` shows its password once) or edits one (`editing`).
 * Values go to the API as typed; its message says what to fix, beside the field it names.
 * `askFirst`, before a credential is created, may stop it (its password would replace one shown
 * and not copied yet). `onLoaded`: the saved version, loaded after a conflict (the list's row shows it too).
 */
type Props = { editing?: SmtpCredential; askFirst?(): Promise<boolean>; onCreated?(c: NewSmtpCredential): void; onSaved?(): void; onCancel?(): void; onLoaded?(c: SmtpCredential): void };

export function CredentialForm(props: Props) {
  const fresh = useFreshStart(props.editing, props.onLoaded);
  return <CredentialFormOf key={fresh.key} {...props} editing={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function CredentialFormOf({ editing, askFirst, onCreated, onSaved, onCancel, conflict, onFresh }: Props & { conflict: VersionConflictState; onFresh(c: SmtpCredential): void }) {
  const [d, setD] = useState<Draft>(() => draftOf(editing));
  const purposes = useList<Purpose>('/purposes');
  const accounts = useList<MailAccount>('/accounts');
  // A refusal speaks of what was sent: it goes once the form is edited.
  const save = useAction(d);
  // Against the credential as opened (a new one: the defaults); a new one empties itself once created.
  const { dirty } = useUnsavedChanges(JSON.stringify(d));
  const set = (patch: Partial<Draft>) => setD((x) => ({ ...x, ...patch }));
  const id = editing ? `cred-${editing.id}` : 'cred-new';
  // An entry of a list is named by its index ("allowedFrom[1]: …"): shown beside the list's field.
  const err = (field: string) => errorFor(save.field?.replace(/\.\d+$/, '') ?? null, save.error, field);
  const invalid = (field: string) => (err(field) ? true : undefined);
  // A refusal shown beside its field is said there only, once; the box under the form says the others.
  const shownAtField = ['name', 'allowedFrom', 'maxMessageBytes', 'perMinute', 'allowedIps'].some((f) => err(f));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!editing && askFirst && !(await askFirst())) return;
    const body = {
      name: d.name.trim(),
      allowedFrom: splitList(d.allowedFrom),
      purpose: d.purpose || null,
      accountId: d.accountId || null,
      maxMessageBytes: Math.round(Number(d.maxMiB) * MIB),
      maxRecipients: Number(d.maxRecipients),
      perMinute: d.perMinute.trim() === '' ? null : Number(d.perMinute),
      allowedIps: splitList(d.allowedIps),
    };
    const r = await save.run(() =>
      conflict.watch(
        editing ? api.patch<SmtpCredential>(`/smtp-credentials/${editing.id}`, { ...body, version: editing.version }) : api.post<NewSmtpCredential>('/smtp-credentials', { ...body, authentication: d.authentication }),
      ),
    );
    if (!r) return;
    notifyChanged();
    if (editing) onSaved?.();
    else {
      setD(draftOf());
      onCreated?.(r as NewSmtpCredential);
    }
  };

  return (
    <form className="card form" onSubmit={submit} aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{editing ? `Edit “${editing.name}”` : 'New SMTP credential'}</h2>
      <div className="form-grid">
        <Field label="Name" id={`${id}-name`} hint={nameHint(editing)}>
          <input id={`${id}-name`} required maxLength={200} value={d.name} onChange={(e) => set({ name: e.target.value })} aria-invalid={invalid('name')} aria-describedby={`${id}-name-err`} />
          <FieldError id={`${id}-name-err`} message={err('name')} />
        </Field>
        {editing ? null : (
          <fieldset className="field">
            <legend>Login</legend>
            <label className="checkbox-inline">
              <input type="radio" name={`${id}-auth`} checked={d.authentication === 'password'} onChange={() => set({ authentication: 'password' })} /> Username and password <span className="muted small">— AUTH after STARTTLS</span>
            </label>
            <label className="checkbox-inline">
              <input type="radio" name={`${id}-auth`} checked={d.authentication === 'client-ip'} onChange={() => set({ authentication: 'client-ip' })} /> Client address <span className="muted small">— for devices that cannot log in</span>
            </label>
          </fieldset>
        )}
        <Field label="May send as" id={`${id}-from`} hint={'Addresses or whole domains, comma-separated: "billing@example.com, @example.com" (no wildcards: "@example.com" is the whole domain). Envelope sender and From must match one.'} wide>
          <input id={`${id}-from`} required value={d.allowedFrom} onChange={(e) => set({ allowedFrom: e.target.value })} aria-invalid={invalid('allowedFrom')} aria-describedby={`${id}-from-err`} />
          <FieldError id={`${id}-from-err`} message={err('allowedFrom')} />
        </Field>
        <Field label="Purpose" id={`${id}-purpose`} hint="Decides the sending account, priority, expiry and global copies of its messages.">
          <PurposeSelect id={`${id}-purpose`} purposes={purposes.items} markSwitchedOff none="none (the default account)" value={d.purpose} onChange={(purpose) => set({ purpose })} />
        </Field>
        <Field label="Account" id={`${id}-account`} hint="Pins the sending account; otherwise the purpose or the default decides.">
          <AccountSelect id={`${id}-account`} accounts={accounts.items} none="chosen by routing" value={d.accountId} onChange={(accountId) => set({ accountId })} />
        </Field>
        <Field label="Largest message (MiB)" id={`${id}-size`} hint="At most 25 MiB; bigger ones are refused with 552.">
          <input id={`${id}-size`} type="number" min="0.001" max="25" step="any" required value={d.maxMiB} onChange={(e) => set({ maxMiB: e.target.value })} aria-invalid={invalid('maxMessageBytes')} aria-describedby={`${id}-size-err`} />
          <FieldError id={`${id}-size-err`} message={err('maxMessageBytes')} />
        </Field>
        <Field label="Recipients per message" id={`${id}-rcpt`} hint="1–100; more get 452 and go in another message.">
          <input id={`${id}-rcpt`} type="number" min="1" max="100" required value={d.maxRecipients} onChange={(e) => set({ maxRecipients: e.target.value })} />
        </Field>
        <Field label="Messages per minute" id={`${id}-rate`} hint="Each MAIL FROM counts, a transaction abandoned before its message too. Empty: no limit. Over it, 451: the application tries again later.">
          <input id={`${id}-rate`} type="number" min="1" value={d.perMinute} onChange={(e) => set({ perMinute: e.target.value })} aria-invalid={invalid('perMinute')} aria-describedby={`${id}-rate-err`} />
          <FieldError id={`${id}-rate-err`} message={err('perMinute')} />
        </Field>
        <Field
          label="Client addresses"
          id={`${id}-ips`}
          hint={d.authentication === 'client-ip' ? 'Required: the addresses or networks (10.0.0.5, 10.0.0.0/24) whose sessions act as this credential.' : 'Optional: only these addresses or networks may log in with it. Empty: any.'}
          wide
        >
          <input id={`${id}-ips`} value={d.allowedIps} required={d.authentication === 'client-ip'} onChange={(e) => set({ allowedIps: e.target.value })} aria-invalid={invalid('allowedIps')} aria-describedby={`${id}-ips-err`} />
          <FieldError id={`${id}-ips-err`} message={err('allowedIps')} />
        </Field>
      </div>
      <ErrorBox error={shownAtField || conflict.conflict ? null : save.error} title={editing ? 'Not saved' : 'Not created'} />
      {editing ? (
        <VersionConflict
          state={conflict}
          what={`the credential “${editing.name}”`}
          dirty={dirty}
          load={async () => onFresh(await api.get<SmtpCredential>(`/smtp-credentials/${editing.id}`))}
        />
      ) : null}
      <FormActions submit={{ label: editing ? 'Save' : 'Create credential', busy: save.busy }} onCancel={onCancel} />
      <UnsavedChangesGuard dirty={dirty} what={editing ? `the credential ${editing.name}` : 'the new SMTP credential'} />
    </form>
  );
}
