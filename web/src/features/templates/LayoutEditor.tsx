import { useState } from 'react';
import { api, type Layout } from '../../api.js';
import { useAction, useResource } from '../../hooks.js';
import { Link } from '../../router.js';
import { Badge, ConfirmButton, ErrorBox, Field, Notice, PageHeader, Spinner, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { issueAt, templateIssue, type TemplateIssue } from './issues.js';
import { PreviewPane } from './PreviewPane.js';
import { SaveDraftButton } from './SaveDraftButton.js';
import { SourceField } from './SourceField.js';
import { useLivePreview } from './useLivePreview.js';
import { isVersionConflict, useVersionConflict, VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';

/** /templates/layouts/:key — a layout's HTML and text around `{{ content }}`, previewed with the built-in test message. */
export function LayoutEditor({ layoutKey }: { layoutKey: string }) {
  const { can } = useSession();
  const loaded = useResource(() => api.get<Layout>(`/layouts/${encodeURIComponent(layoutKey)}`), [layoutKey]);
  // The layout as saved here, or as loaded after a conflict (`what` null: nothing to announce).
  const [saved, setSaved] = useState<{ layout: Layout; what: string | null } | null>(null);
  // Here, not in the form: *Load the saved version* remounts the form with the version loaded.
  const conflict = useVersionConflict();
  const l = saved?.layout ?? loaded.data;
  if (loaded.loading && !l) return <Spinner />;
  if (!l) {
    // A stale bookmark or a mistyped key: the page still says what it is and how to get back.
    return (
      <>
        <PageHeader title="Layout" subtitle={<Link to="/templates">← Templates</Link>} />
        <ErrorBox error={loaded.error ?? 'Layout not found'} />
      </>
    );
  }
  return (
    <>
      <PageHeader
        title={l.name}
        subtitle={
          <>
            <Link to="/templates">← Templates</Link> · layout <code>{l.key}</code> · version {l.version} {l.builtIn ? <Badge kind="info">built-in</Badge> : null}
            {l.modified ? <Badge kind="warn">modified</Badge> : null}
          </>
        }
      />
      {saved?.what ? <Notice kind="success">{saved.what}</Notice> : null}
      {/* A new version remounts the form: after a save, its Save button takes the focus back. */}
      <LayoutForm
        key={`${l.key}@${l.version}`}
        layout={l}
        editable={can('admin')}
        afterSave={!!saved?.what}
        onSaved={(layout, what) => setSaved({ layout, what })}
        conflict={conflict}
        onFresh={(layout) => setSaved({ layout, what: null })}
      />
    </>
  );
}

function LayoutForm({ layout: l, editable, afterSave, onSaved, conflict, onFresh }: {
  layout: Layout;
  editable: boolean;
  afterSave: boolean;
  onSaved(l: Layout, what: string): void;
  conflict: VersionConflictState;
  onFresh(l: Layout): void;
}) {
  const [name, setName] = useState(l.name);
  const [html, setHtml] = useState(l.html);
  const [text, setText] = useState(l.text ?? '');
  const [locale, setLocale] = useState('en');
  // A refused save is about the draft that was sent: an edit after it makes it stale (the live preview judges the new draft).
  const [refused, setRefused] = useState<{ issue: TemplateIssue; draft: string } | null>(null);
  const draft = JSON.stringify([name, html, text]);
  const saveIssue = refused?.draft === draft ? refused.issue : null;
  const action = useAction();
  const path = `/layouts/${encodeURIComponent(l.key)}`;
  // Measured against the version the form started from: a save remounts it with the next one.
  const { dirty } = useUnsavedChanges(draft);
  const live = useLivePreview(`${path}/preview`, editable ? { html, text: text || null, locale } : { locale });
  const issue = saveIssue ?? live.issue;
  const save = async () => {
    setRefused(null);
    try {
      onSaved(await conflict.watch(api.put<Layout>(path, { name, html, text: text || null, version: l.version })), `Saved as version ${l.version + 1}.`);
    } catch (err) {
      // Someone else saved meanwhile: VersionConflict says so, in the form's words.
      if (isVersionConflict(err)) return;
      setRefused({ issue: templateIssue(err), draft });
    }
  };
  const reset = () => action.run(async () => onSaved(await api.post<Layout>(`${path}/reset`), 'Reset to the layout Mailroom ships.'));
  // The layout's own parts are "layout.html" / "layout.text" in the engine's words, or html/text as fields.
  const at = (part: 'html' | 'text') => issueAt(issue, `layout.${part}`, null) ?? issueAt(issue, part, null);
  return (
    <div className="editor-grid">
      <div className="editor-main">
        <section className="card">
          <fieldset className="plain form-grid" disabled={!editable}>
            <Field label="Name" id="layout-name">
              <input id="layout-name" value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <Field label="Preview locale" id="layout-locale" hint="The built-in test message in this locale fills {{ content }}.">
              <select id="layout-locale" value={locale} onChange={(e) => setLocale(e.target.value)}>
                <option value="en">en</option>
                <option value="de">de</option>
              </select>
            </Field>
            <SourceField id="layout-html" label="HTML" hint="Place the body with {{ content }}; brand.*, subject and locale are in scope." value={html} onChange={setHtml} issue={at('html')} rows={22} readOnly={!editable} />
            <SourceField id="layout-text" label="Text" hint="Around the text part, {{ content }} again. Empty: the text part alone." value={text} onChange={setText} issue={at('text')} rows={8} readOnly={!editable} />
          </fieldset>
        </section>
        {editable ? (
          <div className="form-actions">
            <SaveDraftButton label="Save layout" canSave={dirty} onSave={save} afterSave={afterSave} />
            {/* Only a changed built-in has something to go back to. */}
            {l.builtIn && l.modified ? <ConfirmButton label="Reset to built-in" question="Replace this layout with the one Mailroom ships?" onConfirm={() => void reset()} busy={action.busy} className="btn" /> : null}
          </div>
        ) : null}
        <ErrorBox error={saveIssue?.message ?? action.error} title="Not saved" />
        <VersionConflict state={conflict} what={`the layout “${l.name}”`} dirty={dirty} load={async () => onFresh(await api.get<Layout>(path))} />
      </div>
      <PreviewPane preview={live.preview} issue={live.issue} loading={live.loading} />
      <UnsavedChangesGuard dirty={editable && dirty} what="this layout" />
    </div>
  );
}
