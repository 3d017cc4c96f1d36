import { Fragment, useState, type ReactNode } from 'react';
import { api, notifyChanged, type Settings } from '../../api.js';
import { useAction, useResource } from '../../hooks.js';
import { ErrorBox, errorFor, refusalInWords, Spinner, useUnsavedChanges } from '../../ui/index.js';
import { useFreshStart } from '../../ui/fresh-start.js';
import type { VersionConflictState } from '../../ui/VersionConflict.js';

/** The built-in rules kept as settings, each with a page of its own. */
type BuiltinRule = 'contactAutoReply' | 'reports';
export type BuiltinRuleValue<K extends BuiltinRule> = Settings[K]['value'];

/**
 * A built-in rule as its form was started: the stored value and its version (sent back with the
 * save), whether the last save was refused because someone saved the rule meanwhile, and `load`,
 * which starts the form afresh from what is stored now (*Load the saved version*).
 */
export interface StoredRule<K extends BuiltinRule> {
  value: BuiltinRuleValue<K>;
  version: number;
  conflict: VersionConflictState;
  load(): Promise<void>;
}

/**
 * Loads the settings, then shows `form` with one built-in rule's stored value. The form's draft
 * starts from that value, so the form mounts only once it is there; *Load the saved version*
 * after a conflict mounts it again from the value stored then (useFreshStart).
 */
export function StoredBuiltinRule<K extends BuiltinRule>({ rule, form }: { rule: K; form(stored: StoredRule<K>): ReactNode }) {
  const settings = useResource(() => api.get<Settings>('/settings'), []);
  const ruleOf = (s: Settings) => ({ value: s[rule].value, version: s[rule].version ?? 0 });
  const fresh = useFreshStart(settings.data ? ruleOf(settings.data) : undefined);
  if (!fresh.value) return settings.error ? <ErrorBox error={settings.error} title="Cannot load the settings" /> : <Spinner />;
  const load = async () => fresh.onFresh(ruleOf(await api.get<Settings>('/settings')));
  return <Fragment key={fresh.key}>{form({ ...fresh.value, conflict: fresh.conflict, load })}</Fragment>;
}

/**
 * A built-in rule's form: the draft, started from the stored value, and its save (PATCH /settings
 * with the whole value and the version it was read at, then every view is told). `save` resolves
 * whether it was saved. A save refused because someone saved the rule after it was read (another
 * tab, another admin) overwrites nothing: `conflict` and `load` are for VersionConflict.
 *
 * A refusal and "Saved." speak of what was sent: both go once the draft changes. `dirty` says the
 * form differs from what is stored: for actions that use the stored value (a report test), and
 * for the question before leaving (the form's UnsavedChangesGuard).
 */
export function useBuiltinRuleDraft<K extends BuiltinRule>(rule: K, stored: StoredRule<K>) {
  const [draft, setDraft] = useState(stored.value);
  // The version the next save sends: as read, then as the last save's answer has it.
  const [version, setVersion] = useState(stored.version);
  const changes = useUnsavedChanges(JSON.stringify(draft));
  const [saved, setSaved] = useState(false);
  const action = useAction(draft);
  const set = (patch: Partial<BuiltinRuleValue<K>>) => setDraft((d) => ({ ...d, ...patch }));
  const save = async (): Promise<boolean> => {
    setSaved(false);
    const r = await action.run(() => stored.conflict.watch(api.patch<Settings>('/settings', { [rule]: draft, versions: { [rule]: version } })));
    if (!r) return false;
    // The form goes on from the value as stored (trimmed, normalised), so it is not dirty after a save.
    setDraft(r[rule].value);
    setVersion(r[rule].version ?? 0);
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
  // A conflict is said by VersionConflict alone, not in the API's words under the form too.
  const error = shownAtField || stored.conflict.conflict ? null : refusalInWords(action.field, action.error, LABELS);
  return { draft, set, save, busy: action.busy, error, errorAt, dirty, saved: saved && !dirty, conflict: stored.conflict, load: stored.load };
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
