import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { LocaleContent } from '../../api.js';
import { FieldError, Tabs } from '../../ui/index.js';

type Locales = Record<string, LocaleContent>;

/** The locale tabs' id: TemplateForm's TabPanel around the shown locale's editor uses it too. */
export const LOCALE_TABS = 'tpl-locale';

/**
 * "de-at" → "de-AT", "zh-hant" → "zh-Hant": spelt as the API stores it (localeTag in
 * src/core/templates/locales.ts, matched exactly: language lower case, a 2-letter region upper
 * case, a 4-letter script title case, any other subtag lower case), so the tab reads as the saved
 * template and the preview do. Null when it is not a locale tag.
 */
function tag(input: string): string | null {
  const m = /^([a-z]{2,3})((?:-[a-z0-9]{2,8})*)$/i.exec(input.trim());
  if (!m) return null;
  const rest = m[2]
    .split('-')
    .filter(Boolean)
    .map((p) => (p.length === 2 ? p.toUpperCase() : p.length === 4 ? p[0].toUpperCase() + p.slice(1).toLowerCase() : p.toLowerCase()));
  return [m[1].toLowerCase(), ...rest].join('-');
}

/**
 * One tab per locale, and (for admins) adding a locale — started as a copy of the one shown, to
 * translate — or removing the one shown. `onChange` gets a function from the old locales to the new.
 */
export function LocaleTabs({ locales, current, editable, onSelect, onChange }: { locales: string[]; current: string; editable: boolean; onSelect(l: string): void; onChange(f: (old: Locales) => Locales): void }) {
  const [adding, setAdding] = useState('');
  const [error, setError] = useState<string | null>(null);
  // After Remove, the focus goes to the tab now shown: the button that had it is gone with the
  // second-last locale (the focus fell to the page), or reads "Remove <another>", where a second
  // Enter would remove that one too.
  const bar = useRef<HTMLDivElement>(null);
  const focusShownTab = useRef(false);
  useEffect(() => {
    if (!focusShownTab.current) return;
    focusShownTab.current = false;
    bar.current?.querySelector<HTMLElement>('[role="tab"][aria-selected="true"]')?.focus();
  });
  const add = (e: FormEvent) => {
    e.preventDefault();
    const t = tag(adding);
    if (!t) return setError(`"${adding}" is not a locale tag such as fr, de-AT or pt-BR`);
    // Tags differ by case alone in no language (the API refuses zh-Hant beside zh-hant): one spelt otherwise is the same locale.
    const there = locales.find((l) => l.toLowerCase() === t.toLowerCase());
    if (there) return setError(`${there} is there already: it has a tab of its own`);
    onChange((old) => ({ ...old, [t]: { ...old[current] } }));
    onSelect(t);
    setAdding('');
    setError(null);
  };
  return (
    <div className="locale-bar" ref={bar}>
      <Tabs id={LOCALE_TABS} label="Locales" tabs={locales} current={current} onSelect={onSelect} />
      {editable ? (
        <div className="locale-actions">
          <form className="inline-form" onSubmit={add} aria-label="Add a locale">
            <label className="sr-only" htmlFor="tpl-new-locale">
              New locale
            </label>
            <input id="tpl-new-locale" className="locale-input" value={adding} placeholder="fr, de-AT …" onChange={(e) => setAdding(e.target.value)} aria-invalid={error ? true : undefined} />
            <button type="submit" className="btn btn-small" disabled={!adding.trim()}>
              Add locale
            </button>
            <FieldError id="tpl-new-locale-error" message={error} announce />
          </form>
          {locales.length > 1 ? (
            <button
              type="button"
              className="btn btn-small btn-danger"
              onClick={() => {
                onChange((old) => Object.fromEntries(Object.entries(old).filter(([k]) => k !== current)));
                onSelect(locales.find((l) => l !== current) as string);
                focusShownTab.current = true;
              }}
            >
              Remove {current}
            </button>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
