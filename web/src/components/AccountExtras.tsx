import { useState, type KeyboardEvent } from 'react';
import type { RateLimit } from '../types.js';
import { Field } from './ui.js';

/** The API's validation message beside the field it names (the summary box above says it too). */
export function FieldError({ id, message }: { id: string; message: string | null }) {
  if (!message) return null;
  return (
    <span className="field-error" id={id}>
      {message}
    </span>
  );
}

/** "aliases.1: …" → the part after the field name, which is what reads well beside the field. */
export function errorFor(field: string | null, error: string | null, prefix: string): string | null {
  if (!field || !error || !(field === prefix || field.startsWith(`${prefix}.`))) return null;
  return error.replace(/^[\w.[\]]+:\s*/, '');
}

/**
 * Extra From identities: full addresses or "@domain" (any address at that domain). Added one by
 * one (Enter or the Add button), removed with their ✕; the list is checked by the API on save.
 */
export function AliasesField({ id, value, onChange, field, error }: { id: string; value: string[]; onChange: (v: string[]) => void; field: string | null; error: string | null }) {
  const [adding, setAdding] = useState('');
  const badIndex = field?.startsWith('aliases.') ? Number(field.split('.')[1]) : -1;
  const message = errorFor(field, error, 'aliases');
  const add = () => {
    const v = adding.trim();
    if (!v) return;
    if (!value.includes(v)) onChange([...value, v]);
    setAdding('');
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      add();
    }
  };
  return (
    <div className="field field-wide" data-testid="aliases">
      <label htmlFor={`${id}-alias-new`}>Aliases (other From addresses)</label>
      {value.length > 0 ? (
        <ul className="edit-list" aria-label="Aliases">
          {value.map((a, i) => (
            <li key={a} className={i === badIndex ? 'invalid' : undefined}>
              <span>{a}</span>
              <button type="button" className="btn btn-icon" aria-label={`Remove alias ${a}`} onClick={() => onChange(value.filter((x) => x !== a))}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="inline">
        <input
          id={`${id}-alias-new`}
          value={adding}
          onChange={(e) => setAdding(e.target.value)}
          onKeyDown={onKey}
          placeholder="billing@example.com or @example.com"
          spellCheck={false}
          autoCapitalize="off"
          aria-invalid={message ? true : undefined}
          aria-describedby={`${id}-alias-hint${message ? ` ${id}-alias-error` : ''}`}
          className="grow"
        />
        <button type="button" className="btn btn-small" onClick={add} disabled={!adding.trim()}>
          Add alias
        </button>
      </div>
      <FieldError id={`${id}-alias-error`} message={message} />
      <small className="hint" id={`${id}-alias-hint`}>
        Messages may use these as From instead of the sender address; “@example.com” allows any address at that domain.
      </small>
    </div>
  );
}

export type RateDraft = { perMinute: string; perHour: string; perDay: string };

export function rateDraft(r: RateLimit | null | undefined): RateDraft {
  return { perMinute: r?.perMinute?.toString() ?? '', perHour: r?.perHour?.toString() ?? '', perDay: r?.perDay?.toString() ?? '' };
}

/** Empty boxes mean "no limit"; all empty is null. Values go as typed numbers so the API judges them. */
export function rateBody(d: RateDraft): RateLimit | null {
  const out: RateLimit = {};
  for (const k of ['perMinute', 'perHour', 'perDay'] as const) if (d[k].trim() !== '') out[k] = Number(d[k]);
  return Object.keys(out).length ? out : null;
}

const RATE_LABELS = { perMinute: 'Per minute', perHour: 'Per hour', perDay: 'Per day' } as const;

export function RateLimitFields({ id, value, onChange, field, error }: { id: string; value: RateDraft; onChange: (v: RateDraft) => void; field: string | null; error: string | null }) {
  return (
    <fieldset className="field-wide" data-testid="rate-limits">
      <legend>Sending limits of this account</legend>
      <p className="hint">Messages over a limit wait for the next window (they are not lost). Empty: no limit of its own; the server's limits still apply.</p>
      <div className="form-grid">
        {(['perMinute', 'perHour', 'perDay'] as const).map((k) => {
          const message = errorFor(field, error, `rateLimit.${k}`) ?? (field === 'rateLimit' ? errorFor(field, error, 'rateLimit') : null);
          return (
            <Field key={k} label={RATE_LABELS[k]} id={`${id}-rate-${k}`}>
              <input
                id={`${id}-rate-${k}`}
                type="number"
                inputMode="numeric"
                value={value[k]}
                onChange={(e) => onChange({ ...value, [k]: e.target.value })}
                placeholder="no limit"
                aria-invalid={message ? true : undefined}
                aria-describedby={message ? `${id}-rate-${k}-error` : undefined}
              />
              <FieldError id={`${id}-rate-${k}-error`} message={message} />
            </Field>
          );
        })}
      </div>
    </fieldset>
  );
}
