import { useRef, useState, type FormEvent } from 'react';
import { api, notifyChanged, type Purpose } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox, errorFor, Field, FieldError, fieldIsAt, FormActions, refusalInWords, UnsavedChangesGuard, useOutcome, useUnsavedChanges } from '../../ui/index.js';

/** POST /purposes: a custom purpose, routed like the built-ins once created. */
export function NewPurposeForm({ onCreated }: { onCreated: (p: Purpose) => void }) {
  const [key, setKey] = useState('');
  const [description, setDescription] = useState('');
  // A refusal speaks of what was sent: it goes once the key or the description is edited.
  const create = useAction([key, description]);
  // "key: must be 2–64 characters …" beside Purpose key, without its path; the box below says the rest.
  const err = (field: string) => errorFor(create.field, create.error, field);
  const atField = fieldIsAt(create.field, 'key') || fieldIsAt(create.field, 'description');
  // Typed work until it is created (the form empties itself then).
  const { dirty } = useUnsavedChanges(JSON.stringify([key, description]));
  const created = useOutcome();
  const keyInput = useRef<HTMLInputElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    created.clear();
    const p = await create.run(() => api.post<Purpose>('/purposes', { key: key.trim(), ...(description.trim() ? { description: description.trim() } : {}) }));
    if (p) {
      setKey('');
      setDescription('');
      notifyChanged();
      onCreated(p);
      created.say(`The purpose “${p.key}” was added: choose its accounts in its card above.`);
      // Add purpose is disabled once the form is empty, so the focus would drop to the page: it goes to the emptied first field, for the next one.
      keyInput.current?.focus();
    }
  };

  return (
    <form className="card form" onSubmit={submit} aria-labelledby="new-purpose-h">
      <h3 id="new-purpose-h">Add a custom purpose</h3>
      <p className="muted small">For a feature of your application the built-ins do not cover; callers send with <code>{'{ "purpose": "…" }'}</code>.</p>
      <div className="form-grid">
        <Field label="Purpose key" id="purpose-key" hint="Lower-case letters, digits and “_”, e.g. “invoice”.">
          <input ref={keyInput} id="purpose-key" required minLength={2} maxLength={64} value={key} onChange={(e) => setKey(e.target.value)} spellCheck={false} autoCapitalize="off" placeholder="invoice" aria-invalid={err('key') ? true : undefined} />
          <FieldError id="purpose-key-error" message={err('key')} />
        </Field>
        <Field label="Description" id="purpose-description">
          <input id="purpose-description" maxLength={500} value={description} onChange={(e) => setDescription(e.target.value)} placeholder="Monthly invoices" aria-invalid={err('description') ? true : undefined} />
          <FieldError id="purpose-description-error" message={err('description')} />
        </Field>
      </div>
      <ErrorBox error={atField ? null : refusalInWords(create.field, create.error, { key: 'Purpose key' })} title="Not created" />
      {created.notice}
      <FormActions submit={{ label: 'Add purpose', busy: create.busy, busyLabel: 'Adding…', disabled: !key.trim() }} />
      <UnsavedChangesGuard dirty={dirty} what="the new purpose" />
    </form>
  );
}
