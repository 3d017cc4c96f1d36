import { useRef, useState, type FormEvent } from 'react';
import { api, type NamedSecret } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { mayReplace } from '../../leave-guard.js';
import { useList, useRemove } from '../../lists.js';
import { ConfirmButton, DataTable, Empty, ErrorBox, Field, FieldError, FormActions, ListState, UnsavedChangesGuard, useListOutcome, useUnsavedChanges, WorkScope } from '../../ui/index.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';

/** The part of the page the secret form is in: Rotate on a secret puts a form for it in its place. */
const SECRET_FORM = 'secret-form';

/** Mailroom's own named secrets (`internal:<name>`): one value for several accounts, rotated here. */
export function NamedSecrets() {
  const list = useList<NamedSecret>('/secrets');
  const del = useRemove(list, (s: NamedSecret) => `/secrets/${encodeURIComponent(s.name)}`);
  const [rotating, setRotating] = useState<NamedSecret | null>(null);
  // A deleted secret's row, or a rotation's form, goes with the button that had the focus: it goes to the secret's row (or the next), else the section's heading.
  const heading = useRef<HTMLHeadingElement>(null);
  const outcome = useListOutcome(list, (s: NamedSecret) => s.name, () => heading.current);
  /**
   * One form below the list, for a new secret or the rotation of one: Rotate on another secret
   * replaces it (a new value for one secret must not go to another), so it asks first while the
   * form holds a typed value or description. Rotate on the secret already open keeps the form.
   */
  const rotate = async (s: NamedSecret) => {
    if (s.name !== rotating?.name && (await mayReplace(SECRET_FORM))) setRotating(s);
  };
  const remove = async (s: NamedSecret) => {
    outcome.clear();
    if (await del.remove(s)) outcome.done(`internal:${s.name} was deleted.`, s);
  };
  /** The form saved (`saved`: the secret's name) or a rotation was cancelled (null). */
  const finish = (saved: string | null) => {
    const was = rotating;
    setRotating(null);
    list.reload();
    if (was) outcome.done(saved ? `internal:${was.name} has its new value: the accounts using it send with it from now on.` : null, was);
    else if (saved) outcome.say(`internal:${saved} was added: accounts can use it as their password.`);
  };
  return (
    <>
      <h2 className="section-title" ref={heading}>
        Internal secrets
      </h2>
      <ErrorBox error={del.error} />
      <ListState list={list} empty={<Empty title="No internal secret yet">Store a password once below and point several accounts at it.</Empty>}>
        <DataTable
          rows={list.items}
          rowKey={(s) => s.name}
          columns={[
            {
              header: 'Name',
              cell: (s) => (
                <>
                  <code>internal:{s.name}</code>
                  {s.description ? <div className="muted small">{s.description}</div> : null}
                </>
              ),
            },
            { header: 'Used by', cell: (s) => `${s.usedBy.length} account${s.usedBy.length === 1 ? '' : 's'}` },
            { header: 'Last rotated', cell: (s) => <span className="small">{formatDate(s.rotatedAt)}</span> },
            {
              header: '',
              cell: (s) => (
                <span className="inline">
                  <button type="button" className="btn btn-small" onClick={() => void rotate(s)}>
                    Rotate<span className="sr-only"> internal:{s.name}</span>
                  </button>
                  <ConfirmButton label="Delete" srLabel={`internal:${s.name}`} question={`Delete secret ${s.name}?`} onConfirm={() => void remove(s)} busy={del.busy} />
                </span>
              ),
            },
          ]}
        />
      </ListState>
      {outcome.notice}
      <WorkScope name={SECRET_FORM}>
        {/* A version loaded after a conflict reloads the list too: the secret's row says what is stored. */}
        <SecretForm key={rotating?.name ?? 'new'} rotating={rotating} taken={list.items.map((x) => x.name)} onDone={finish} onLoaded={list.reload} />
      </WorkScope>
    </>
  );
}

/** `onDone`: saved (the secret's name) or cancelled (null); `onLoaded`: the saved version, loaded after a conflict (the list's row shows it too). */
type FormProps = { rotating: NamedSecret | null; taken: readonly string[]; onDone(saved: string | null): void; onLoaded?(s: NamedSecret): void };

function SecretForm(props: FormProps) {
  const fresh = useFreshStart(props.rotating, props.onLoaded);
  return <SecretFormOf key={fresh.key} {...props} rotating={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function SecretFormOf({ rotating, taken, onDone, conflict, onFresh }: FormProps & { conflict: VersionConflictState; onFresh(s: NamedSecret): void }) {
  const [name, setName] = useState(rotating?.name ?? '');
  const [value, setValue] = useState('');
  const [description, setDescription] = useState(rotating?.description ?? '');
  // A new secret under a name in the list would replace that one: the API asks for its version,
  // words of the protocol; here the field says what to do instead.
  const [nameTaken, setNameTaken] = useState<string | null>(null);
  const save = useAction();
  // Against the secret as it was opened (a new one: nothing); emptied once saved.
  const { dirty } = useUnsavedChanges(JSON.stringify([name, value, description]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!rotating && taken.includes(name.trim())) {
      setNameTaken(`a secret named “${name.trim()}” exists: use its Rotate button to give it a new value, or choose another name`);
      return;
    }
    setNameTaken(null);
    const body = rotating ? { value, description: description.trim() || null, version: rotating.version } : { value, description: description.trim() || null };
    if (await save.run(() => conflict.watch(api.put<NamedSecret>(`/secrets/${encodeURIComponent(name.trim())}`, body)))) {
      setName('');
      setValue('');
      setDescription('');
      onDone(name.trim());
    }
  };
  return (
    <form onSubmit={submit} className="card form" aria-label={rotating ? `Rotate secret ${rotating.name}` : 'New internal secret'}>
      <h3>{rotating ? `Rotate ${rotating.name}` : 'Add an internal secret'}</h3>
      <div className="form-grid">
        <Field label="Name" id="sec-name" hint="Accounts refer to it as internal:<name>.">
          <input
            id="sec-name"
            required
            readOnly={Boolean(rotating)}
            value={name}
            onChange={(e) => (setName(e.target.value), setNameTaken(null))}
            pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}"
            spellCheck={false}
            aria-invalid={nameTaken ? 'true' : undefined}
          />
          <FieldError id="sec-name-error" message={nameTaken} />
        </Field>
        <Field label={rotating ? 'New value' : 'Value'} id="sec-value" hint="Write-only: stored encrypted, never shown again.">
          <input id="sec-value" type="password" required value={value} onChange={(e) => setValue(e.target.value)} autoComplete="new-password" />
        </Field>
        <Field label="Description" id="sec-desc">
          <input id="sec-desc" maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} />
        </Field>
      </div>
      <ErrorBox error={conflict.conflict ? null : save.error} title="Not saved" />
      {rotating ? (
        <VersionConflict
          state={conflict}
          what={`the secret “${rotating.name}”`}
          dirty={dirty}
          load={async () => onFresh(await api.get<NamedSecret>(`/secrets/${encodeURIComponent(rotating.name)}`))}
        />
      ) : null}
      <FormActions submit={{ label: rotating ? 'Rotate' : 'Add secret', busy: save.busy }} onCancel={rotating ? () => onDone(null) : undefined} />
      <UnsavedChangesGuard dirty={dirty} what={rotating ? `the new value of ${rotating.name}` : 'the new secret'} />
    </form>
  );
}
