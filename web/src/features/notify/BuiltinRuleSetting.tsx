import { useState, type ReactNode } from 'react';
import { api, notifyChanged, type Settings } from '../../api.js';
import { useAction, useResource } from '../../hooks.js';
import { ErrorBox, Spinner } from '../../ui/index.js';

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
 */
export function useBuiltinRuleDraft<K extends BuiltinRule>(rule: K, stored: BuiltinRuleValue<K>) {
  const [draft, setDraft] = useState(stored);
  const action = useAction();
  const set = (patch: Partial<BuiltinRuleValue<K>>) => setDraft((d) => ({ ...d, ...patch }));
  const save = async (): Promise<boolean> => {
    const saved = await action.run(() => api.patch<Settings>('/settings', { [rule]: draft }));
    if (saved) notifyChanged();
    return saved !== undefined;
  };
  return { draft, set, save, busy: action.busy, error: action.error };
}
