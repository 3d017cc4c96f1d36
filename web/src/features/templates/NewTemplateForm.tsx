import { useState, type FormEvent } from 'react';
import { api, type Template } from '../../api.js';
import { useAction } from '../../hooks.js';
import { navigate } from '../../router.js';
import { ErrorBox, Field } from '../../ui/index.js';

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
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const t = await create.run(() => api.put<Template>(`/templates/${encodeURIComponent(key.trim())}`, { ...STARTER, name: name.trim() || key.trim() }));
    if (t) navigate(`/templates/${encodeURIComponent(t.key)}`);
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-tpl-h">
      <h2 id="new-tpl-h">New template</h2>
      <div className="form-grid">
        <Field label="Key" id="new-tpl-key" hint='What applications name: lower-case letters, digits, "_", "." and "-" (e.g. weekly_digest).'>
          <input id="new-tpl-key" value={key} onChange={(e) => setKey(e.target.value)} required pattern="[a-z][a-z0-9_.\-]{1,63}" />
        </Field>
        <Field label="Name" id="new-tpl-name">
          <input id="new-tpl-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Weekly digest" />
        </Field>
      </div>
      <ErrorBox error={create.error} title="Not created" />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={create.busy || !key.trim()}>
          Create and edit
        </button>
      </div>
    </form>
  );
}
