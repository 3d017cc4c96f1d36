import { useState, type FormEvent } from 'react';
import { api, ApiError, type Template } from '../../api.js';
import { useAction } from '../../hooks.js';
import { navigate } from '../../router.js';
import { ErrorBox, Field, FieldError, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';

/** A first version to edit: one English locale in the branded layout. */
const STARTER = {
  locales: { en: { subject: '{{ brand.name }}: {{ title }}', html: '<h1 style="margin:0 0 16px 0;font-size:22px;">{{ title }}</h1>\n<p style="margin:0 0 16px 0;">{{ body }}</p>\n', text: null } },
  sampleData: { title: 'Hello', body: 'This is a new template.' },
  layout: 'default',
};

/** Creates a template (key and name) and opens it in the editor. */
export function NewTemplateForm() {
  const [key, setKey] = useState('');
  const [name, setName] = useState('');
  const create = useAction();
  const { dirty } = useUnsavedChanges(JSON.stringify([key, name]));
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const k = key.trim();
    const t = await create.run(() =>
      api.put<Template>(`/templates/${encodeURIComponent(k)}`, { ...STARTER, name: name.trim() || k }).catch((err: unknown) => {
        // Without a version, PUT creates; the API's refusal of an existing key asks for the version to
        // replace it, which is not what someone creating a template means to do.
        if (err instanceof ApiError && (err.details as { field?: string; currentVersion?: number } | undefined)?.currentVersion !== undefined) {
          throw new ApiError(err.status, err.code, `a template with the key ${k} exists already: open it in the list above to change it, or choose another key`, { field: 'key' });
        }
        throw err;
      }),
    );
    // Created: the key and name are saved, and the editor opens with them (nothing to ask about).
    if (t) navigate(`/templates/${encodeURIComponent(t.key)}`, { discardUnsaved: true });
  };
  const keyError = create.field === 'key' ? create.error : null;
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-tpl-h">
      <h2 id="new-tpl-h">New template</h2>
      <div className="form-grid">
        <Field label="Key" id="new-tpl-key" hint='What applications name: 2 to 64 lower-case letters, digits, "_", "." and "-", starting with a letter (e.g. weekly_digest).'>
          <input id="new-tpl-key" value={key} onChange={(e) => setKey(e.target.value)} required maxLength={64} pattern="[a-z][a-z0-9_.\-]{1,63}" title="2 to 64 lower-case letters, digits, _ . and -, starting with a letter" aria-invalid={keyError ? true : undefined} aria-describedby={keyError ? 'new-tpl-key-error' : 'new-tpl-key-hint'} />
          <FieldError id="new-tpl-key-error" message={keyError} />
        </Field>
        <Field label="Name" id="new-tpl-name">
          <input id="new-tpl-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Weekly digest" />
        </Field>
      </div>
      {/* A refusal of the key is shown at the key, once. */}
      <ErrorBox error={keyError ? null : create.error} title="Not created" />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.busy || !key.trim()}>
          Create and edit
        </button>
      </div>
      <UnsavedChangesGuard dirty={dirty} what="the new template" />
    </form>
  );
}
