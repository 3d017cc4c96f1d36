import { api, ApiError, notifyChanged } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useUnsavedChanges } from '../../ui/index.js';

/**
 * A settings card's save: PATCH /settings with what it changed, then tell every view (the
 * setup banner re-checks) and `onSaved` (the page reloads the settings). `saved` holds until
 * the card shows something else.
 *
 * `shown` is the card's snapshot (its fields as typed): `dirty` while it differs from what was
 * loaded or last saved, for the question before leaving (SettingsCard). The card stays mounted
 * through the reload, so a save marks what it sent as the stored state.
 */
export function useSaveSettings(onSaved: () => void, shown: string) {
  // The draft is the snapshot: a refusal speaks of what was sent and goes once the card is edited.
  const action = useAction(shown);
  const changes = useUnsavedChanges(shown);
  const submit = async (body: Record<string, unknown>) => {
    if (await action.run(() => api.patch('/settings', body).then(() => true))) {
      changes.markSaved(shown);
      notifyChanged();
      onSaved();
    }
  };
  /**
   * A refusal the card makes itself, before sending (an empty box): said at its field as the API's
   * would be, and gone once the card is edited. Sending it would have the API judge the 0 that
   * Number('') makes, and say "it is 0" of a box that shows nothing.
   */
  const refuse = (field: string, message: string) => void action.run(() => Promise.reject(new ApiError(400, 'MAILROOM_E_VALIDATION', `${field}: ${message}`, { field })));
  return { busy: action.busy, error: action.error, field: action.field, saved: changes.justSaved, dirty: changes.dirty, submit, refuse };
}

export type SettingsSave = ReturnType<typeof useSaveSettings>;
