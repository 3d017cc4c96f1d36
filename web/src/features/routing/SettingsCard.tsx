import type { ReactNode } from 'react';
import { ErrorBox, Notice, UnsavedChangesGuard } from '../../ui/index.js';
import type { SettingsSave } from './useSaveSettings.js';

/**
 * A card that edits a few settings: its fields, why the save failed or that it worked, and Save for
 * those who may. Leaving with changes not saved asks first, naming the card by its title.
 */
export function SettingsCard({ id, title, save, onSave, saveLabel, savedNote, editable, children }: { id: string; title: string; save: SettingsSave; onSave(): void; saveLabel: string; savedNote: string; editable: boolean; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
      <ErrorBox error={save.error} title="Not saved" />
      {save.saved ? <Notice kind="success">{savedNote}</Notice> : null}
      {editable ? (
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={onSave} disabled={save.busy}>
            {save.busy ? 'Saving…' : saveLabel}
          </button>
        </div>
      ) : null}
      <UnsavedChangesGuard dirty={editable && save.dirty} what={`the ${title.toLowerCase()}`} />
    </section>
  );
}
