import { useState } from 'react';
import { api, ApiError, notifyChanged, type Settings } from '../../api.js';
import { useAction } from '../../hooks.js';
import { useUnsavedChanges } from '../../ui/index.js';
import { settingsView, versionsOf, type SettingsStart } from './settings.js';

/**
 * A settings card's save: PATCH /settings with what it changed and the version it read of each
 * (`versions`), then tell every view (the setup banner re-checks) and `onSaved` (the page reloads
 * the settings). `saved` holds until the card shows something else.
 *
 * A setting someone saved after the card read it refuses the save (409): `conflict` says so, and
 * `load` starts the card afresh from what is stored (SettingsCard shows both with VersionConflict).
 * The versions sent are those the card's fields were started from (`start.views`), and for what
 * it saved, those its save answered: never the page's reload after another card's save, which
 * would pass off values it never showed as read. So a second save from the card is not refused as
 * a conflict with itself, and one the card did not see still is.
 *
 * `shown` is the card's snapshot (its fields as typed): `dirty` while it differs from what was
 * loaded or last saved, for the question before leaving (SettingsCard). The card stays mounted
 * through the reload, so a save marks what it sent as the stored state.
 */
export function useSaveSettings(onSaved: () => void, shown: string, start: SettingsStart) {
  // The draft is the snapshot: a refusal speaks of what was sent and goes once the card is edited.
  const action = useAction(shown);
  const changes = useUnsavedChanges(shown);
  // Read once: the card's fields hold these until it is started afresh (remounted).
  const [known, setKnown] = useState(() => versionsOf(start.views));
  const submit = async (body: Record<string, unknown>) => {
    const versions = Object.fromEntries(Object.keys(body).map((k) => [k, known[k] ?? 0]));
    const stored = await action.run(() => start.conflict.watch(api.patch<Settings>('/settings', { ...body, versions })));
    if (stored) {
      const now = versionsOf(settingsView(stored));
      setKnown((k) => ({ ...k, ...Object.fromEntries(Object.keys(body).map((s) => [s, now[s] ?? 0])) }));
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
  return { busy: action.busy, error: action.error, field: action.field, saved: changes.justSaved, dirty: changes.dirty, submit, refuse, conflict: start.conflict, load: start.load };
}

export type SettingsSave = ReturnType<typeof useSaveSettings>;
