import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, isNotFound, type DkimKey } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { Badge, ConfirmButton, ErrorBox, errorFor, Field, FieldError, Notice, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { useVersionConflict, VersionConflict } from '../../ui/VersionConflict.js';
import { DnsRecord } from './DnsRecord.js';

interface Props {
  domain: string;
  dkimKey: DkimKey | undefined;
  editable: boolean;
  onChanged(): void;
}

/**
 * One domain's DKIM key: the record to publish, and (for admins) create, rotate or delete.
 * An imported private key is write-only: it is sent once and the textarea is emptied.
 */
export function DkimKeyCard({ domain, dkimKey, editable, onChanged }: Props) {
  const [selector, setSelector] = useState(dkimKey?.selector ?? 'mailroom');
  const [mode, setMode] = useState<'generate' | 'import'>('generate');
  const [keyBits, setKeyBits] = useState('2048');
  const [pem, setPem] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const body = { selector: selector.trim() || undefined, ...(mode === 'import' ? { privateKey: pem } : { keyBits: Number(keyBits) }) };
  // A refusal speaks of what was sent: it goes once the form is edited.
  const save = useAction(body);
  // The key this card shows, as PUT sends it: a key deleted, created or rotated elsewhere meanwhile is a 409, and nothing changes.
  const conflict = useVersionConflict();
  // 0: there is none (create only); n: rotate the key at version n only.
  const shownVersion = dkimKey?.version ?? 0;
  const del = useAction();
  // What was typed: the selector and a pasted key (choosing generate or import, or a size, is no work to lose).
  const changes = useUnsavedChanges(JSON.stringify([selector, pem]));
  const id = 'dkim';
  // A deleted key takes its Delete button with it (the focus fell to the page): the focus goes to
  // the button beside it, now Create key, once the card shows the domain without a key.
  const submitButton = useRef<HTMLButtonElement>(null);
  const focusCreate = useRef(false);
  useEffect(() => {
    if (dkimKey || !focusCreate.current) return;
    focusCreate.current = false;
    submitButton.current?.focus();
  }, [dkimKey]);
  const selectorError = errorFor(save.field, save.error, 'selector');
  const pemError = errorFor(save.field, save.error, 'privateKey');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    const saved = await save.run(() => conflict.watch(api.put<DkimKey>(`/dkim/${encodeURIComponent(domain)}`, { ...body, version: shownVersion })));
    if (saved) {
      // The key's selector is the one typed now; the pasted key is sent and forgotten.
      changes.markSaved(JSON.stringify([selector, '']));
      setPem('');
      setDone(dkimKey ? 'Key rotated. Publish the new record below; until then receivers cannot verify new signatures.' : 'Key created. Publish the record below.');
      onChanged();
    }
  };

  /**
   * After a conflict: the card starts afresh from the key stored now (or none), dropping what was
   * typed, and the page's list is reloaded so the card shows it.
   */
  const loadSaved = async () => {
    const stored = await api.get<DkimKey>(`/dkim/${encodeURIComponent(domain)}`).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    const storedSelector = stored?.selector ?? 'mailroom';
    setSelector(storedSelector);
    setPem('');
    changes.markSaved(JSON.stringify([storedSelector, '']));
    setDone(null);
    onChanged();
  };

  const remove = async () => {
    setDone(null);
    if (await del.run(() => api.del(`/dkim/${encodeURIComponent(domain)}`).then(() => true))) {
      // Read out as a status while the focus moves to Create key; the card says what it means for the domain's mail.
      setDone('Key deleted.');
      focusCreate.current = true;
      onChanged();
    }
  };

  return (
    <section className="card dkim-card" aria-labelledby="dkim-h" data-testid="dkim-card">
      <h2 id="dkim-h">DKIM key for {domain}</h2>
      {done ? <Notice kind="success">{done}</Notice> : null}
      {dkimKey ? (
        <>
          <p className="muted small">
            Selector <code>{dkimKey.selector}</code> · {dkimKey.keyBits}-bit RSA <Badge kind={dkimKey.source === 'imported' ? 'info' : 'neutral'}>{dkimKey.source}</Badge> · updated {formatDate(dkimKey.updatedAt)}
          </p>
          <h3>Publish this TXT record</h3>
          <DnsRecord record={dkimKey.dnsRecord} />
        </>
      ) : (
        <p className="muted">No key yet: mail from {domain} goes out unsigned (or signed with a parent domain's key).</p>
      )}
      {editable ? (
        <form onSubmit={submit} className="subsection" aria-label={dkimKey ? `Rotate the key of ${domain}` : `Create a key for ${domain}`}>
          <h3>{dkimKey ? 'Rotate the key' : 'Create a key'}</h3>
          <div className="form-grid">
            <Field label="Selector" id={`${id}-selector`} hint="The DNS label of the key, e.g. “mailroom” or “s2025”. A new selector lets old and new records coexist.">
              <input id={`${id}-selector`} value={selector} onChange={(e) => setSelector(e.target.value)} maxLength={63} spellCheck={false} autoCapitalize="off" aria-invalid={selectorError ? true : undefined} />
              <FieldError id={`${id}-selector-err`} message={selectorError} />
            </Field>
            <fieldset className="field">
              <legend>Private key</legend>
              <div className="radio-row">
                <label>
                  <input type="radio" name={`${id}-mode`} checked={mode === 'generate'} onChange={() => setMode('generate')} /> Generate a new key
                </label>
                <label>
                  <input type="radio" name={`${id}-mode`} checked={mode === 'import'} onChange={() => setMode('import')} /> Import a PEM key
                </label>
              </div>
            </fieldset>
            {mode === 'generate' ? (
              <Field label="Key size" id={`${id}-bits`} hint="2048 bits fits every DNS provider; 4096 may not fit a TXT record field.">
                <select id={`${id}-bits`} value={keyBits} onChange={(e) => setKeyBits(e.target.value)}>
                  {[1024, 2048, 3072, 4096].map((b) => (
                    <option key={b} value={b}>
                      {b} bits
                    </option>
                  ))}
                </select>
              </Field>
            ) : (
              <Field label="RSA private key (PEM)" id={`${id}-pem`} wide hint="Write-only: stored encrypted, never shown again. Starts with -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----.">
                <textarea id={`${id}-pem`} className="mono" rows={6} required value={pem} onChange={(e) => setPem(e.target.value)} autoComplete="off" spellCheck={false} placeholder="-----BEGIN PRIVATE KEY-----" aria-invalid={pemError ? true : undefined} />
                <FieldError id={`${id}-pem-err`} message={pemError} />
              </Field>
            )}
          </div>
          {dkimKey ? <p className="hint hint-warn">Rotating replaces the key at once: mail signed from now on verifies only after the new record is published.</p> : null}
          {/* A refusal shown at its field is said there only, once. */}
          <ErrorBox error={selectorError || pemError || conflict.conflict ? null : save.error} title="Key not saved" />
          <VersionConflict state={conflict} what={`the DKIM key for ${domain}`} dirty={changes.dirty} load={loadSaved} />
          <div className="form-actions">
            <button ref={submitButton} type="submit" className="btn btn-primary" disabled={save.busy}>
              {save.busy ? 'Saving…' : dkimKey ? 'Rotate key' : 'Create key'}
            </button>
            {dkimKey ? <ConfirmButton label="Delete key" question={`Delete the DKIM key of ${domain}? Its mail goes out unsigned.`} onConfirm={() => void remove()} busy={del.busy} /> : null}
          </div>
          <ErrorBox error={del.error} title="Not deleted" />
          <UnsavedChangesGuard dirty={changes.dirty} what={`the DKIM key of ${domain}`} />
        </form>
      ) : null}
    </section>
  );
}
