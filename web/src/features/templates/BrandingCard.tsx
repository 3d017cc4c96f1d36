import { useState } from 'react';
import { api, type Branding, type Settings } from '../../api.js';
import { useAction, useResource } from '../../hooks.js';
import { errorFor, ErrorBox, Field, FieldError, Notice, Spinner, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { useFreshStart } from '../../ui/fresh-start.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';

/** The settings the card edits, with one number that grows whenever either is saved (each version only grows). */
const brandingOf = (settings: Settings) => ({ settings, version: (settings.branding.version ?? 0) + (settings.defaultLocale.version ?? 0) });

/**
 * settings.branding (what every layout shows as brand.*) and settings.defaultLocale. The save sends
 * the version of each it read: one saved meanwhile (another tab, another admin) refuses it, and
 * *Load the saved version* starts the form afresh from what is stored (useFreshStart).
 */
export function BrandingCard({ editable }: { editable: boolean }) {
  const settings = useResource(() => api.get<Settings>('/settings'), []);
  // Held here, not in the form: the reload after a save remounts the form (its key is the saved values), and the notice must outlive that.
  const [saved, setSaved] = useState(false);
  const fresh = useFreshStart(settings.data ? brandingOf(settings.data) : undefined);
  if (!fresh.value) return settings.error ? <ErrorBox error={settings.error} /> : <Spinner />;
  const current = fresh.value.settings;
  return (
    <BrandingForm
      key={JSON.stringify([fresh.key, current.branding, current.defaultLocale])}
      settings={current}
      editable={editable}
      saved={saved}
      setSaved={setSaved}
      onSaved={settings.reload}
      conflict={fresh.conflict}
      load={async () => fresh.onFresh(brandingOf(await api.get<Settings>('/settings')))}
    />
  );
}

type FormProps = { settings: Settings; editable: boolean; saved: boolean; setSaved(saved: boolean): void; onSaved(): void; conflict: VersionConflictState; load(): Promise<void> };

function BrandingForm({ settings, editable, saved, setSaved, onSaved, conflict, load }: FormProps) {
  const [brand, setBrand] = useState<Branding>(settings.branding.value);
  const [locale, setLocale] = useState(settings.defaultLocale.value);
  // The versions a save answered: newer than `settings` until the page's reload brings them.
  const [answered, setAnswered] = useState<Settings | null>(null);
  const save = useAction();
  // No logo is null as loaded and '' once a typed one is cleared: the same, not a change.
  const shown = JSON.stringify([brand.name, brand.logoUrl ?? '', brand.color, brand.footer, locale]);
  const changes = useUnsavedChanges(shown);
  const set = (patch: Partial<Branding>) => setBrand((b) => ({ ...b, ...patch }));
  const err = (field: string) => errorFor(save.field, save.error, field);
  const submit = async () => {
    setSaved(false);
    const versionOf = (k: 'branding' | 'defaultLocale') => Math.max(settings[k].version ?? 0, answered?.[k].version ?? 0);
    const body = { branding: { ...brand, logoUrl: brand.logoUrl?.trim() || null }, defaultLocale: locale.trim(), versions: { branding: versionOf('branding'), defaultLocale: versionOf('defaultLocale') } };
    const stored = await save.run(() => conflict.watch(api.patch<Settings>('/settings', body)));
    if (stored) {
      setAnswered(stored);
      // Not dirty from here on: the reload that remounts the form with the stored values comes later.
      changes.markSaved(shown);
      setSaved(true);
      onSaved();
    }
  };
  return (
    <section className="card" aria-labelledby="branding-h">
      <h2 id="branding-h">Branding and default locale</h2>
      <p className="muted small">
        Every layout can show these as <code>brand.name</code>, <code>brand.logoUrl</code>, <code>brand.color</code> and <code>brand.footer</code>. The default locale is tried before English when a template
        lacks the locale a message asks for.
      </p>
      <fieldset className="plain form-grid" disabled={!editable}>
        <Field label="Brand name" id="brand-name">
          <input id="brand-name" value={brand.name} onChange={(e) => set({ name: e.target.value })} aria-invalid={err('branding.name') ? true : undefined} />
          <FieldError id="brand-name-error" message={err('branding.name')} />
        </Field>
        <Field label="Logo URL" id="brand-logo" hint="An https:// (or http://) image, about 40 px high. Empty: the name is shown instead.">
          <input id="brand-logo" type="url" value={brand.logoUrl ?? ''} onChange={(e) => set({ logoUrl: e.target.value })} aria-invalid={err('branding.logoUrl') ? true : undefined} />
          <FieldError id="brand-logo-error" message={err('branding.logoUrl')} />
        </Field>
        <Field label="Colour" id="brand-color" hint="Buttons and the bar on top; white text must stay readable on it.">
          <span className="inline">
            <input id="brand-color" type="color" className="color-input" value={brand.color} onChange={(e) => set({ color: e.target.value })} />
            <code>{brand.color}</code>
          </span>
        </Field>
        <Field label="Default locale" id="default-locale" hint="e.g. de or de-AT">
          <input id="default-locale" value={locale} onChange={(e) => setLocale(e.target.value)} aria-invalid={err('defaultLocale') ? true : undefined} />
          <FieldError id="default-locale-error" message={err('defaultLocale')} />
        </Field>
        <Field label="Footer" id="brand-footer" hint="Under every message: your address, a legal line." wide>
          {/* The API's limit (branding.footer: at most 2000 characters), kept by the box itself; a refusal is still said here. */}
          <textarea id="brand-footer" rows={3} maxLength={2000} value={brand.footer} onChange={(e) => set({ footer: e.target.value })} aria-invalid={err('branding.footer') ? true : undefined} />
          <FieldError id="brand-footer-error" message={err('branding.footer')} />
        </Field>
      </fieldset>
      {/* A refusal shown at its field is shown there only, once. */}
      <ErrorBox error={conflict.conflict || ['branding.name', 'branding.logoUrl', 'branding.footer', 'defaultLocale'].some((f) => err(f)) ? null : save.error} title="Not saved" />
      <VersionConflict state={conflict} what="the branding and default locale" dirty={changes.dirty} load={load} />
      {saved ? <Notice kind="success">Saved. Messages accepted from now on use it.</Notice> : null}
      {editable ? (
        <div className="form-actions">
          <button type="button" className="btn btn-primary" onClick={() => void submit()} disabled={save.busy}>
            Save branding
          </button>
        </div>
      ) : null}
      <UnsavedChangesGuard dirty={editable && changes.dirty} what="the branding" />
    </section>
  );
}
