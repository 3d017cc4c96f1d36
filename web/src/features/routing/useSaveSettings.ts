import { useState } from 'react';
import { api, notifyChanged } from '../../api.js';
import { useAction } from '../../hooks.js';

/**
 * A settings card's save: PATCH /settings with what it changed, then tell every view (the
 * setup banner re-checks) and `onSaved` (the page reloads the settings). `saved` holds until
 * the next try.
 */
export function useSaveSettings(onSaved: () => void) {
  const action = useAction();
  const [saved, setSaved] = useState(false);
  const submit = async (body: Record<string, unknown>) => {
    setSaved(false);
    if (await action.run(() => api.patch('/settings', body).then(() => true))) {
      setSaved(true);
      notifyChanged();
      onSaved();
    }
  };
  return { busy: action.busy, error: action.error, field: action.field, saved, submit };
}

export type SettingsSave = ReturnType<typeof useSaveSettings>;
