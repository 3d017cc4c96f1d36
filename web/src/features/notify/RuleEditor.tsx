import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, notifyChanged, type MailAccount, type Purpose, type Rule, type Template } from '../../api.js';
import { splitAddresses, splitList } from '../../format.js';
import { useAction, useResource } from '../../hooks.js';
import { useList } from '../../lists.js';
import { Link, navigate } from '../../router.js';
import { Checkbox, ConfirmButton, ErrorBox, errorFor, Field, FieldError, FormActions, Notice, PageHeader, refusalInWords, Spinner, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { PurposeSelect } from '../routing/PurposeSelect.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { ConditionRows, type ConditionPart } from './ConditionRows.js';
import { firstNumberProblem, fromDraft, toDraft, type ConditionDraft } from './conditions.js';
import { DryRunPanel } from './DryRunPanel.js';
import { TemplatePick } from './TemplatePick.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';

/**
 * A rule's page: its form (new or saved) and the dry run beside it. One editor serves every
 * /rules/:id (see app/Routes.tsx): creating a rule moves the page from /rules/new to
 * /rules/:id, and "Saved." must outlive that move, so the editor follows the id itself.
 */
export function RuleEditor({ id }: { id: string }) {
  const isNew = id === 'new';
  const rule = useResource(() => (isNew ? Promise.resolve(undefined) : api.get<Rule>(`/rules/${encodeURIComponent(id)}`)), [id]);
  // While another id loads, the resource still holds the previous rule: never show it as this one.
  const data = isNew || rule.data?.id !== id ? undefined : rule.data;
  // The form starts afresh from each saved version, so what it says after a save lives here.
  const [saved, setSaved] = useState<{ id: string; version: number } | null>(null);
  if (!isNew && !data && !rule.error) return <Spinner />;
  if (rule.error && !isNew) return <ErrorBox error={rule.error} title="Cannot load the rule" />;
  const justSaved = !!data && saved?.id === data.id && saved.version === data.version;
  return (
    <RuleForm
      key={data ? `${data.id}:${data.version}` : 'new'}
      rule={data}
      saved={justSaved}
      onSaved={(r) => {
        setSaved({ id: r.id, version: r.version });
        // Created: the form's work is saved, and the rule's own address shows it (nothing to ask about).
        if (isNew) navigate(`/rules/${r.id}`, { replace: true, discardUnsaved: true });
        else rule.reload();
      }}
    />
  );
}

type FormProps = { rule?: Rule; saved: boolean; onSaved(r: Rule): void };

function RuleForm(props: FormProps) {
  const fresh = useFreshStart(props.rule);
  return <RuleFormOf key={fresh.key} {...props} rule={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function RuleFormOf({ rule, saved, onSaved, conflict, onFresh }: FormProps & { conflict: VersionConflictState; onFresh(r: Rule): void }) {
  const { can } = useSession();
  const templates = useList<Template>('/templates');
  const accounts = useList<MailAccount>('/accounts');
  const purposes = useList<Purpose>('/purposes');
  const [name, setName] = useState(rule?.name ?? '');
  const [enabled, setEnabled] = useState(rule?.enabled ?? true);
  const [events, setEvents] = useState(rule?.events.join(', ') ?? '');
  const [conditions, setConditions] = useState<ConditionDraft[]>(rule?.conditions.map(toDraft) ?? []);
  const [roles, setRoles] = useState(rule?.recipients.roles.join(', ') ?? '');
  const [addresses, setAddresses] = useState(rule?.recipients.addresses.join(', ') ?? '');
  const [template, setTemplate] = useState(rule?.template ?? '');
  const [accountId, setAccountId] = useState(rule?.accountId ?? '');
  const [purpose, setPurpose] = useState(rule?.purpose ?? '');
  const [cont, setCont] = useState(rule?.continue ?? false);
  const body = {
    name: name.trim(),
    enabled,
    events: splitList(events),
    conditions: conditions.map(fromDraft),
    recipients: { roles: splitList(roles), addresses: splitAddresses(addresses) },
    template,
    accountId: accountId || null,
    purpose: purpose || null,
    continue: cont,
  };
  // A refusal is about the rule as it was sent: once the form changes, it no longer says anything about it.
  // "Saved." likewise holds only while the form shows what was saved, and leaving asks while it shows anything else.
  // The rows as typed too: a number box holding "6 apples" sends what a text box would, and
  // choosing "text" for it must take its refusal away.
  const save = useAction([body, conditions]);
  const remove = useAction();
  const shown = JSON.stringify(body);
  const changes = useUnsavedChanges(shown);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    // A number box holding no number would be stored as text: refused here, at its row, as the API refuses a value.
    const notNumber = firstNumberProblem(conditions);
    if (notNumber) {
      await save.run(() => Promise.reject(new ApiError(400, 'MAILROOM_E_VALIDATION', `${notNumber.field}: ${notNumber.message}`, { field: notNumber.field })));
      return;
    }
    const r = await save.run(() => conflict.watch(rule ? api.patch<Rule>(`/rules/${rule.id}`, { ...body, version: rule.version }) : api.post<Rule>('/rules', body)));
    if (r) {
      // Saved as sent: no question before the saved version remounts the form.
      changes.markSaved(shown);
      notifyChanged();
      onSaved(r);
    }
  };
  const err = (f: string) => errorFor(save.field, save.error, f);
  // A condition's refusal names its row and part: conditions.1.value (the API's conditions[1].value).
  const conditionErr = (i: number, part: ConditionPart) => err(`conditions.${i}.${part}`);
  const rolesErr = err('recipients.roles');
  // "name at least one role or one address" (recipients) and a refused address are said at the addresses.
  const addressesErr = err('recipients.addresses') ?? (save.field === 'recipients' ? err('recipients') : null);
  // An account deleted since the page loaded: said by the address the list showed, not its id.
  const accountErr = accounts.items.reduce((m, a) => m?.replaceAll(a.id, a.address) ?? null, err('accountId'));
  // A refusal shown beside its field is said there only, once; the box under the form says the others, in the form's words.
  const shownAtField = [err('name'), err('events'), err('conditions'), rolesErr, addressesErr, err('template'), accountErr].some(Boolean);
  const boxError = shownAtField || conflict.conflict ? null : refusalInWords(save.field, save.error, { purpose: 'Purpose', continue: 'Continue', enabled: 'Enabled', recipients: 'Recipients' });
  const firstType = (body.events[0] ?? 'access.request.created').replace(/\*/g, 'example');
  const sample = { type: firstType, id: 'dry-run-1', data: {}, recipients: Object.fromEntries(body.recipients.roles.map((r) => [r, [`${r}@example.com`]])) };
  const readOnly = !can('admin');
  // A save starts a new form (from the saved version, maybe at a new address), and the button that
  // was pressed went with the old one: its successor takes the focus, beside "Saved.", instead of the page.
  const formRef = useRef<HTMLFormElement>(null);
  const [arrivedSaved] = useState(saved);
  useEffect(() => {
    if (arrivedSaved && (!document.activeElement || document.activeElement === document.body)) formRef.current?.querySelector<HTMLButtonElement>('button[type="submit"]')?.focus();
  }, [arrivedSaved]);

  return (
    <>
      <PageHeader title={rule ? rule.name : 'New rule'} subtitle={<Link to="/rules">All rules</Link>} />
      <div className="editor-grid">
        <form className="card form" onSubmit={submit} aria-labelledby="rule-h" ref={formRef}>
          <h2 id="rule-h">Rule</h2>
          <fieldset disabled={readOnly} className="form-grid">
            <Field label="Name" id="rule-name" wide>
              <input id="rule-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={err('name') ? true : undefined} />
              <FieldError id="rule-name-err" message={err('name')} />
            </Field>
            <Field label="Event types" id="rule-events" wide hint={<>Comma-separated; <code>*</code> stands for any run of characters: <code>access.request.*</code>, <code>*</code> for every event.</>}>
              <input id="rule-events" required value={events} onChange={(e) => setEvents(e.target.value)} placeholder="access.request.created" aria-invalid={err('events') ? true : undefined} />
              <FieldError id="rule-events-err" message={err('events')} />
            </Field>
            <ConditionRows rows={conditions} onChange={setConditions} errorAt={conditionErr} />
            <Field label="Roles" id="rule-roles" hint="Comma-separated: the event says who holds each (owner, approver, requester …).">
              <input id="rule-roles" value={roles} onChange={(e) => setRoles(e.target.value)} placeholder="owner, approver" aria-invalid={rolesErr ? true : undefined} />
              <FieldError id="rule-roles-err" message={rolesErr} />
            </Field>
            <Field label="Fixed addresses" id="rule-addresses" hint="Comma-separated; everyone once, each in a message of their own.">
              <input id="rule-addresses" value={addresses} onChange={(e) => setAddresses(e.target.value)} placeholder="audit@example.com" aria-invalid={addressesErr ? true : undefined} />
              <FieldError id="rule-addresses-err" message={addressesErr} />
            </Field>
            <TemplatePick templates={templates.items} value={template} onChange={setTemplate} error={err('template')} />
            <Field label="Send from" id="rule-account" hint="An account, or let the purpose decide (its accounts, failover and copies).">
              <AccountSelect id="rule-account" accounts={accounts.items} none="the purpose’s account" value={accountId} onChange={setAccountId} aria-invalid={accountErr ? true : undefined} />
              <FieldError id="rule-account-err" message={accountErr} />
            </Field>
            <Field label="Purpose" id="rule-purpose" hint="Routing, priority, expiry and global copies; empty: the template’s.">
              <PurposeSelect id="rule-purpose" purposes={purposes.items} none="the template’s purpose" value={purpose} onChange={setPurpose} />
            </Field>
            <Checkbox checked={cont} onChange={setCont}>
              Continue: later matching rules mail too
            </Checkbox>
            <Checkbox checked={enabled} onChange={setEnabled}>
              Enabled
            </Checkbox>
          </fieldset>
          <ErrorBox error={boxError} title="Not saved" />
          {rule ? (
            <VersionConflict state={conflict} what={`the rule “${rule.name}”`} dirty={changes.dirty} load={async () => onFresh(await api.get<Rule>(`/rules/${rule.id}`))} />
          ) : null}
          {saved && !save.error && !changes.dirty ? <Notice kind="success">Saved.</Notice> : null}
          {readOnly ? null : <FormActions submit={{ label: rule ? 'Save rule' : 'Create rule', busy: save.busy }} />}
          {rule && !readOnly ? (
            <div className="form-actions">
              <ConfirmButton
                label="Delete rule"
                question={`Delete “${rule.name}”? Events already raised keep their record.`}
                busy={remove.busy}
                onConfirm={async () => {
                  // Deleting was confirmed: whatever was unsaved went with the rule.
                  if (await remove.run(() => api.del(`/rules/${rule.id}`).then(() => true))) navigate('/rules', { discardUnsaved: true });
                }}
              />
              <ErrorBox error={remove.error} title="Not deleted" />
            </div>
          ) : null}
        </form>
        {readOnly ? null : <DryRunPanel rule={body} sample={sample} />}
      </div>
      <UnsavedChangesGuard dirty={!readOnly && changes.dirty} what={rule ? 'this rule' : 'the new rule'} />
    </>
  );
}
