import { useState } from 'react';
import { api, notifyChanged } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useUnsavedChanges } from '../../ui/index.js';

/**
 * A settings card's save: PATCH /settings with what it changed, then tell every view (the
 * setup banner re-checks) and `onSaved` (the page reloads the settings). `saved` holds until
 * the next try.
 *
 * `shown` is the card's snapshot (its fields as typed): `dirty` while it differs from what was
 * loaded or last saved, for the question before leaving (SettingsCard). The card stays mounted
 * through the reload, so a save marks what it sent as the stored state.
 */
export function useSaveSettings(onSaved: () => void, shown: string) {
  const action = useAction();
  const changes = useUnsavedChanges(shown);
  const [saved, setSaved] = useState(false);
  const submit = async (body: Record<string, unknown>) => {
    setSaved(false);
    if (await action.run(() => api.patch('/settings', body).then(() => true))) {
      changes.markSaved(shown);
      setSaved(true);
      notifyChanged();
      onSaved();
    }
  };
  return { busy: action.busy, error: action.error, field: action.field, saved, dirty: changes.dirty, submit };
}

export type SettingsSave = ReturnType<typeof useSaveSettings>;
