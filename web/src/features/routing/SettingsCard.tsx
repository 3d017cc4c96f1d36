import type { FormEvent, ReactNode } from 'react';
import { ErrorBox, fieldIsAt, FormActions, Notice, refusalInWords, UnsavedChangesGuard } from '../../ui/index.js';
import { VersionConflict } from '../../ui/VersionConflict.js';
import type { SettingsSave } from './useSaveSettings.js';

/**
 * A card that edits a few settings: its fields, why the save failed or that it worked, and Save for
 * those who may. Leaving with changes not saved asks first, naming the card by its title.
 *
 * `atFields` are the API's paths the card says at a field of its own (`retention.days`): such a
 * refusal stands there alone, once. Any other is said under the fields, named as `labels` call
 * it, never by its path. A form, so Enter in a field saves and the focus comes back to Save after it.
 *
 * A save refused because someone saved one of its settings meanwhile (another tab, another admin)
 * is said with VersionConflict, naming them as the card does (`what`: "the soft-bounce settings"),
 * and *Load the saved version* starts the card afresh from what is stored.
 */
export function SettingsCard({
  id,
  title,
  what,
  save,
  onSave,
  saveLabel,
  savedNote,
  editable,
  atFields,
  labels = {},
  children,
}: {
  id: string;
  title: string;
  what: string;
  save: SettingsSave;
  onSave(): void;
  saveLabel: string;
  savedNote: string;
  editable: boolean;
  atFields: string[];
  labels?: Record<string, string>;
  children: ReactNode;
}) {
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSave();
  };
  const shownAtField = atFields.some((f) => fieldIsAt(save.field, f));
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{title}</h2>
      <form onSubmit={submit} noValidate>
        {children}
        <ErrorBox error={shownAtField || save.conflict.conflict ? null : refusalInWords(save.field, save.error, labels)} title="Not saved" />
        <VersionConflict state={save.conflict} what={what} dirty={save.dirty} load={save.load} />
        {save.saved ? <Notice kind="success">{savedNote}</Notice> : null}
        {editable ? <FormActions submit={{ label: saveLabel, busy: save.busy }} /> : null}
      </form>
      <UnsavedChangesGuard dirty={editable && save.dirty} what={`the ${title.toLowerCase()}`} />
    </section>
  );
}
