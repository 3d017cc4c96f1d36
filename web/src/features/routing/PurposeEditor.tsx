import { useEffect, useRef, useState } from 'react';
import { api, notifyChanged, type MailAccount, type Purpose } from '../../api.js';
import { useAction } from '../../hooks.js';
import { Badge, ConfirmButton, DurationInput, ErrorBox, FieldError, Notice, refusalInWords, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';

/** The expiry the API takes (src/core/routing/purposes.ts): whole seconds, 1 minute to 30 days. */
const EXPIRY_SECONDS = { min: 60, max: 30 * 86_400 };

/** The card's names for what the API may refuse. */
const REFUSED: Record<string, string> = { expireAfterSec: 'Expires after', priority: 'Priority', accountIds: 'Accounts', enabled: 'On/off', globalCopies: 'Global CC/BCC' };

/** Moves item i by delta in a copy of the list (reordering the failover chain). */
function moved<T>(list: T[], i: number, delta: number): T[] {
  const j = i + delta;
  if (j < 0 || j >= list.length) return list;
  const next = [...list];
  [next[i], next[j]] = [next[j], next[i]];
  return next;
}

/** The priority typed, when it is one (a whole number 0–100); null for anything else. */
function priorityOf(text: string): number | null {
  return /^\d{1,3}$/.test(text.trim()) && Number(text) <= 100 ? Number(text) : null;
}

/**
 * One purpose: on/off, its ordered accounts (first sends, the next take over), priority, expiry, copies.
 *
 * The card starts afresh from each saved version (its key holds the version); `saved` says this
 * version is the one it just saved, so the new card says "Saved." (until the next change) and keeps
 * the focus: Save and Undo exist only while the card holds changes, and the focus on them would
 * otherwise fall to the page's start.
 */
type Props = {
  purpose: Purpose;
  accounts: MailAccount[];
  editable: boolean;
  saved?: boolean;
  onSaved: (p: Purpose) => void;
  onDeleted?: () => void;
};

export function PurposeEditor(props: Props) {
  const fresh = useFreshStart(props.purpose);
  return <PurposeEditorOf key={fresh.key} {...props} purpose={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function PurposeEditorOf({ purpose, accounts, editable, saved = false, onSaved, onDeleted, conflict, onFresh }: Props & { conflict: VersionConflictState; onFresh(p: Purpose): void }) {
  const [p, setP] = useState(purpose);
  const [adding, setAdding] = useState('');
  // What the priority box holds: cleared or half-typed, it stays as typed (a number input that
  // snapped to 0 would save a priority nobody chose) and Save says what it needs.
  const [priorityText, setPriorityText] = useState(String(purpose.priority));
  const [priorityError, setPriorityError] = useState<string | null>(null);
  // Why the expiry typed cannot be saved (in the unit on screen), and that said at the field once Save was pressed.
  const [expireProblem, setExpireProblem] = useState<string | null>(null);
  const [expireError, setExpireError] = useState<string | null>(null);
  // The card as typed, priority box included (a cleared one is a change though the purpose keeps its number).
  const shown = JSON.stringify([p, priorityText]);
  // A refusal speaks of what was sent: it goes once the card is edited.
  const save = useAction(shown);
  const del = useAction();
  const heading = useRef<HTMLHeadingElement>(null);
  const { dirty, markSaved } = useUnsavedChanges(shown);
  const id = `purpose-${purpose.key}`;
  /** Where the focus goes when Save or Undo, which had it, goes away: this card's heading, not the page's start. */
  const keepFocus = () => {
    const active = document.activeElement;
    if (!active || active === document.body || heading.current?.closest('article')?.contains(active)) heading.current?.focus();
  };
  // Mounted with the version just saved: the Save pressed went with the card before, so the focus is nowhere.
  useEffect(() => {
    if (saved && (!document.activeElement || document.activeElement === document.body)) heading.current?.focus();
    // Only on mount: a later render is the same card, where the focus is the user's.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const label = (aid: string) => {
    const a = accounts.find((x) => x.id === aid);
    return a ? `${a.address}${a.active ? '' : ' (inactive)'}` : `${aid} (deleted)`;
  };
  const set = (patch: Partial<Purpose>) => setP((x) => ({ ...x, ...patch }));

  const submit = async () => {
    if (priorityOf(priorityText) === null) {
      setPriorityError('a whole number from 0 to 100');
      return;
    }
    // The API's limits (1 minute to 30 days, whole seconds) said before sending, in the unit on screen, not as its seconds.
    if (expireProblem) {
      setExpireError(expireProblem);
      return;
    }
    const body = { enabled: p.enabled, accountIds: p.accountIds, priority: p.priority, expireAfterSec: p.expireAfterSec, globalCopies: p.globalCopies, version: purpose.version };
    const stored = await save.run(() => conflict.watch(api.patch<Purpose>(`/purposes/${encodeURIComponent(p.key)}`, body)));
    if (stored) {
      // Saved as sent: no question before the reload remounts the card with the new version.
      markSaved(shown);
      keepFocus();
      notifyChanged();
      onSaved(stored);
    }
  };

  // Only custom purposes can go; the API refuses built-ins (409) and the button is not offered.
  const remove = async () => {
    if (await del.run(() => api.del(`/purposes/${encodeURIComponent(purpose.key)}`).then(() => true))) {
      notifyChanged();
      onDeleted?.();
    }
  };

  return (
    <article className={p.enabled ? 'card purpose' : 'card purpose purpose-off'} aria-labelledby={`${id}-title`} data-purpose={purpose.key}>
      <header className="purpose-head">
        <div>
          <h3 id={`${id}-title`} ref={heading} tabIndex={-1}>
            <code>{p.key}</code> {purpose.builtin ? null : <Badge kind="info">custom</Badge>}
          </h3>
          {p.description ? <p className="muted small">{p.description}</p> : null}
        </div>
        <label className="switch">
          <input type="checkbox" role="switch" checked={p.enabled} disabled={!editable} onChange={(e) => set({ enabled: e.target.checked })} aria-label={`${p.key} enabled`} />
          <span>{p.enabled ? 'On' : 'Off'}</span>
        </label>
      </header>
      <div className="purpose-body">
        <div>
          <span className="label">Accounts, in order</span>
          {p.accountIds.length === 0 ? <p className="muted small">None: the system default account sends.</p> : null}
          <ol className="order-list">
            {p.accountIds.map((aid, i) => (
              <li key={aid}>
                <span className="order-n">{i + 1}</span>
                <span className="order-label">{label(aid)}</span>
                {editable ? (
                  <span className="order-actions">
                    <button type="button" className="btn btn-icon" aria-label={`Move ${label(aid)} up`} disabled={i === 0} onClick={() => set({ accountIds: moved(p.accountIds, i, -1) })}>
                      ↑
                    </button>
                    <button type="button" className="btn btn-icon" aria-label={`Move ${label(aid)} down`} disabled={i === p.accountIds.length - 1} onClick={() => set({ accountIds: moved(p.accountIds, i, 1) })}>
                      ↓
                    </button>
                    <button type="button" className="btn btn-icon" aria-label={`Remove ${label(aid)}`} onClick={() => set({ accountIds: p.accountIds.filter((x) => x !== aid) })}>
                      ✕
                    </button>
                  </span>
                ) : null}
              </li>
            ))}
          </ol>
          {editable ? (
            <div className="inline">
              <AccountSelect aria-label={`Add an account to ${p.key}`} accounts={accounts.filter((a) => !p.accountIds.includes(a.id))} none="Add an account…" value={adding} onChange={setAdding} />
              <button
                type="button"
                className="btn btn-small"
                disabled={!adding}
                onClick={() => {
                  set({ accountIds: [...p.accountIds, adding] });
                  setAdding('');
                }}
              >
                Add
              </button>
            </div>
          ) : null}
        </div>
        <div className="purpose-fields">
          <label className="purpose-priority">
            <span>Priority (0–100)</span>
            <input
              type="number"
              min={0}
              max={100}
              step={1}
              value={priorityText}
              disabled={!editable}
              aria-invalid={priorityError ? true : undefined}
              aria-describedby={priorityError ? `${id}-priority-error` : undefined}
              onChange={(e) => {
                const text = e.target.value;
                setPriorityText(text);
                setPriorityError(null);
                const priority = priorityOf(text);
                if (priority !== null) set({ priority });
              }}
            />
            <FieldError id={`${id}-priority-error`} message={priorityError} />
          </label>
          <label className="purpose-expiry" htmlFor={`purpose-${purpose.key}-expire`}>
            <span>Expires after</span>
            <DurationInput
              id={`purpose-${purpose.key}-expire`}
              seconds={p.expireAfterSec}
              minSeconds={EXPIRY_SECONDS.min}
              maxSeconds={EXPIRY_SECONDS.max}
              allowEmpty
              placeholder="default"
              disabled={!editable}
              invalid={Boolean(expireError)}
              describedBy={expireError ? `${id}-expire-hint ${id}-expire-error` : `${id}-expire-hint`}
              onChange={(expireAfterSec, problem) => {
                set({ expireAfterSec });
                setExpireProblem(problem);
                setExpireError(null);
              }}
            />
            <FieldError id={`${id}-expire-error`} message={expireError} />
          </label>
          {/* The field is narrow in a card: the placeholder stays short, the hint says what empty means. */}
          <small className="hint purpose-fields-row" id={`${id}-expire-hint`}>
            Expires after: 1 minute to 30 days, in whole seconds; empty: the server's retry policy decides (3 days unless changed there).
          </small>
          <label className="checkbox-inline">
            <input type="checkbox" checked={p.globalCopies} disabled={!editable} onChange={(e) => set({ globalCopies: e.target.checked })} /> Global CC/BCC
          </label>
        </div>
      </div>
      {/* Named as the card names it ("Expires after: …"), never by the API's path. */}
      <ErrorBox error={conflict.conflict ? null : refusalInWords(save.field, save.error, REFUSED)} title="Not saved" />
      <VersionConflict
        state={conflict}
        what={`the purpose “${purpose.key}”`}
        dirty={dirty}
        load={async () => onFresh(await api.get<Purpose>(`/purposes/${encodeURIComponent(purpose.key)}`))}
      />
      {saved && !dirty ? <Notice kind="success">Saved.</Notice> : null}
      <ErrorBox error={del.error} title="Not deleted" />
      {editable && !purpose.builtin && !dirty ? (
        <div className="form-actions">
          <ConfirmButton label="Delete" srLabel={purpose.key} className="btn btn-small btn-danger" question={`Delete purpose “${purpose.key}”? Messages for it will be refused.`} onConfirm={() => void remove()} busy={del.busy} />
        </div>
      ) : null}
      {editable && dirty ? (
        <div className="form-actions">
          <button type="button" className="btn btn-primary btn-small" onClick={() => void submit()} disabled={save.busy}>
            {save.busy ? 'Saving…' : 'Save'}
          </button>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              setP(purpose);
              setPriorityText(String(purpose.priority));
              setPriorityError(null);
              setExpireProblem(null);
              setExpireError(null);
              keepFocus();
            }}
          >
            Undo
          </button>
        </div>
      ) : null}
      <UnsavedChangesGuard dirty={editable && dirty} what={`the purpose ${purpose.key}`} />
    </article>
  );
}
