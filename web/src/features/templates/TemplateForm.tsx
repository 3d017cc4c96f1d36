import { useState } from 'react';
import { api, type Layout, type LocaleContent, type Purpose, type Template } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useList } from '../../lists.js';
import { Link, navigate } from '../../router.js';
import { ConfirmButton, ErrorBox, Field, Select, TabPanel, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { PurposeSelect } from '../routing/PurposeSelect.js';
import { templateIssue, type TemplateIssue } from './issues.js';
import { LocaleEditor } from './LocaleEditor.js';
import { LOCALE_TABS, LocaleTabs } from './LocaleTabs.js';
import { PreviewPane } from './PreviewPane.js';
import { SaveDraftButton } from './SaveDraftButton.js';
import { SampleData, parseSample, sampleIssue } from './SampleData.js';
import { TemplateTest } from './TemplateTest.js';
import { useLivePreview } from './useLivePreview.js';
import { VersionHistory } from './VersionHistory.js';
import { isVersionConflict, VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';

interface Draft {
  name: string;
  purpose: string | null;
  layout: string | null;
  locales: Record<string, LocaleContent>;
  sample: string;
}

const draftOf = (t: Template): Draft => ({ name: t.name, purpose: t.purpose, layout: t.layout, locales: t.locales, sample: JSON.stringify(t.sampleData, null, 2) });

type Props = {
  template: Template;
  editable: boolean;
  afterSave: boolean;
  locale: string | null;
  onLocale(l: string): void;
  onSaved(t: Template, what: string): void;
  /** The saved version, loaded after a conflict: the page's header shows it too. */
  onLoaded?(t: Template): void;
  /** The page's item (useItem): a save answered 404 (deleted elsewhere) turns the page into its Gone page. */
  watch?<R>(request: Promise<R>): Promise<R>;
};

const asIs = <R,>(request: Promise<R>) => request;

export function TemplateForm(props: Props) {
  const fresh = useFreshStart(props.template, props.onLoaded);
  return <TemplateFormOf key={fresh.key} {...props} template={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function TemplateFormOf({ template: t, editable, afterSave, locale: chosen, onLocale, onSaved, watch = asIs, conflict, onFresh }: Props & { conflict: VersionConflictState; onFresh(t: Template): void }) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(t));
  // The tab shown: one of the draft's locales (a locale just added is not saved yet), else the first.
  const locale = chosen && draft.locales[chosen] ? chosen : (Object.keys(draft.locales)[0] ?? 'en');
  const [saveIssue, setSaveIssue] = useState<TemplateIssue | null>(null);
  const purposes = useList<Purpose>('/purposes');
  const layouts = useList<Layout>('/layouts');
  const action = useAction();
  // A refused delete (a rule still uses the template) is said as such, not as a refused save.
  const del = useAction();
  const sample = parseSample(draft.sample);
  // Measured against the version the form started from: a save remounts it with the next one.
  const { dirty } = useUnsavedChanges(JSON.stringify(draft));
  const path = `/templates/${encodeURIComponent(t.key)}`;
  const content = draft.locales[locale] ?? Object.values(draft.locales)[0];
  // Admins preview the draft as typed; others see the saved version with the sample data.
  const live = useLivePreview(`${path}/preview`, sample.ok ? (editable ? { locale, content, layout: draft.layout, data: sample.value } : { locale, data: sample.value }) : null);
  const issue = saveIssue ?? (live.issue && (live.issue.locale === null || live.issue.locale === locale) ? live.issue : null);
  // Sample data that does not parse cannot be rendered either: the preview says so, like a render error.
  const previewIssue = sample.ok ? live.issue : sampleIssue(sample.error);
  const set = (patch: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...patch }));
    setSaveIssue(null);
  };

  const save = async () => {
    if (!sample.ok) return;
    setSaveIssue(null);
    const body = { name: draft.name, purpose: draft.purpose, layout: draft.layout, locales: draft.locales, sampleData: sample.value, version: t.version };
    try {
      onSaved(await conflict.watch(watch(api.put<Template>(path, body))), `Saved as version ${t.version + 1}.`);
    } catch (err) {
      // Someone else saved meanwhile: VersionConflict says so, in the form's words.
      if (isVersionConflict(err)) return;
      const found = templateIssue(err);
      setSaveIssue(found);
      if (found.locale && draft.locales[found.locale]) onLocale(found.locale);
    }
  };
  const reset = () => action.run(async () => onSaved(await watch(api.post<Template>(`${path}/reset`)), 'Reset to the text Mailroom ships (a new version).'));
  const remove = () =>
    del.run(async () => {
      await watch(api.del(path));
      // Deleting was confirmed: whatever was unsaved went with the template.
      navigate('/templates', { discardUnsaved: true });
    });

  return (
    <div className="editor-grid">
      <div className="editor-main">
        <section className="card" aria-labelledby="tpl-settings-h">
          <h2 id="tpl-settings-h">Template</h2>
          <fieldset className="plain form-grid" disabled={!editable}>
            <Field label="Name" id="tpl-name">
              <input id="tpl-name" value={draft.name} onChange={(e) => set({ name: e.target.value })} />
            </Field>
            <Field label="Purpose" id="tpl-purpose" hint="Messages from this template get it when the sender names none.">
              <PurposeSelect id="tpl-purpose" purposes={purposes.items} none="None" value={draft.purpose ?? ''} onChange={(purpose) => set({ purpose: purpose || null })} />
            </Field>
            <Field label="Layout" id="tpl-layout" hint={draft.layout ? <Link to={`/templates/layouts/${encodeURIComponent(draft.layout)}`}>Edit this layout</Link> : 'The body is the whole message.'}>
              <Select id="tpl-layout" options={layouts.items} valueOf={(l) => l.key} labelOf={(l) => `${l.name} (${l.key})`} none="No layout" value={draft.layout ?? ''} onChange={(layout) => set({ layout: layout || null })} />
            </Field>
          </fieldset>
        </section>
        <section className="card" aria-label="Content per locale">
          <LocaleTabs locales={Object.keys(draft.locales)} current={locale} editable={editable} onSelect={onLocale} onChange={(locales) => set({ locales: locales(draft.locales) })} />
          <TabPanel id={LOCALE_TABS} current={locale}>
            {content ? <LocaleEditor locale={locale} content={content} issue={issue} readOnly={!editable} onChange={(c) => set({ locales: { ...draft.locales, [locale]: c } })} /> : null}
          </TabPanel>
        </section>
        <SampleData value={draft.sample} error={sample.ok ? null : sample.error} readOnly={!editable} onChange={(v) => set({ sample: v })} />
        {editable ? (
          <div className="form-actions">
            <SaveDraftButton label="Save" canSave={dirty && sample.ok} onSave={save} afterSave={afterSave} />
            {dirty ? <span className="muted small">Unsaved changes</span> : null}
            {/* A built-in is never deleted, and only a changed one has something to reset to. */}
            {t.builtIn ? (
              t.modified ? (
                <ConfirmButton label="Reset to built-in" question="Replace this template with the text Mailroom ships?" onConfirm={() => void reset()} busy={action.busy} className="btn" />
              ) : null
            ) : (
              <ConfirmButton label="Delete" question={`Delete template ${t.key}? Its history stays for the log.`} onConfirm={() => void remove()} busy={del.busy} />
            )}
          </div>
        ) : null}
        <ErrorBox error={saveIssue ? saveIssue.message : action.error} title="Not saved" />
        <VersionConflict state={conflict} what={`the template “${t.name}”`} dirty={dirty} load={async () => onFresh(await watch(api.get<Template>(path)))} />
        <ErrorBox error={del.error} title="Not deleted" />
        {editable ? <TemplateTest templateKey={t.key} locale={locale} dirty={dirty} /> : null}
        <VersionHistory templateKey={t.key} version={t.version} />
      </div>
      <PreviewPane preview={live.preview} issue={previewIssue} loading={live.loading} title={`Preview (${locale})`} />
      <UnsavedChangesGuard dirty={editable && dirty} what="this template" />
    </div>
  );
}
