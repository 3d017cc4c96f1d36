import { useState, type ReactNode } from 'react';
import { api, notifyChanged, type Settings } from '../../api.js';
import { useAction, useResource } from '../../hooks.js';
import { ErrorBox, errorFor, refusalInWords, Spinner, useUnsavedChanges } from '../../ui/index.js';

/** The built-in rules kept as settings, each with a page of its own. */
type BuiltinRule = 'contactAutoReply' | 'reports';
export type BuiltinRuleValue<K extends BuiltinRule> = Settings[K]['value'];

/**
 * Loads the settings, then shows `form` with one built-in rule's stored value. The form's draft
 * starts from that value, so the form mounts only once it is there.
 */
export function StoredBuiltinRule<K extends BuiltinRule>({ rule, form }: { rule: K; form(value: BuiltinRuleValue<K>): ReactNode }) {
  const settings = useResource(() => api.get<Settings>('/settings'), []);
  if (!settings.data) return settings.error ? <ErrorBox error={settings.error} title="Cannot load the settings" /> : <Spinner />;
  return form(settings.data[rule].value);
}

/**
 * A built-in rule's form: the draft, started from the stored value, and its save (PATCH /settings
 * with the whole value, then every view is told). `save` resolves whether it was saved.
 *
 * A refusal and "Saved." speak of what was sent: both go once the draft changes. `dirty` says the
 * form differs from what is stored: for actions that use the stored value (a report test), and
 * for the question before leaving (the form's UnsavedChangesGuard).
 */
export function useBuiltinRuleDraft<K extends BuiltinRule>(rule: K, stored: BuiltinRuleValue<K>) {
  const [draft, setDraft] = useState(stored);
  const changes = useUnsavedChanges(JSON.stringify(draft));
  const [saved, setSaved] = useState(false);
  const action = useAction(draft);
  const set = (patch: Partial<BuiltinRuleValue<K>>) => setDraft((d) => ({ ...d, ...patch }));
  const save = async (): Promise<boolean> => {
    setSaved(false);
    const r = await action.run(() => api.patch<Settings>('/settings', { [rule]: draft }));
    if (!r) return false;
    // The form goes on from the value as stored (trimmed, normalised), so it is not dirty after a save.
    setDraft(r[rule].value);
    changes.markSaved(JSON.stringify(r[rule].value));
    setSaved(true);
    notifyChanged();
    return true;
  };
  const { dirty } = changes;
  /** The refusal's words beside the field it names (`reports.subject`, `reports.overrides.1.report` …), without the field path. */
  const errorAt = (f: string) => errorFor(action.field, action.error, `${rule}.${f}`);
  // A refusal that names no field the form shows is said in the box under the form.
  const shownAtField = FIELDS_SHOWN.some((f) => action.field?.startsWith(`${rule}.${f}`));
  return { draft, set, save, busy: action.busy, error: shownAtField ? null : refusalInWords(action.field, action.error, LABELS), errorAt, dirty, saved: saved && !dirty };
}

/** What the forms call the fields they say a refusal of under the form (the list as a whole, the switches). */
const LABELS: Record<string, string> = {
  'reports.overrides': 'Individual reports',
  'reports.serverId': 'Server',
  'reports.useDefault': 'Use the default sender',
  'reports.enabled': 'Send report mail',
  'contactAutoReply.enabled': 'Answer contact form submissions',
};

/** The fields the built-in rule forms show a refusal beside (a prefix: overrides covers each row's fields). */
const FIELDS_SHOWN = ['subject', 'body', 'accountId', 'overrides.'];
