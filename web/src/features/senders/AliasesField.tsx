import { useState, type KeyboardEvent } from 'react';
import { errorFor, FieldError, fieldIsAt } from '../../ui/index.js';

/** Whether the API's refusal of `field` is said at the aliases (the list, or one alias by its index). */
export const refusedAtAliases = (field: string | null) => fieldIsAt(field, 'aliases');

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
          // The "@domain" form is explained in the hint below: both in the placeholder were cut off on a phone.
          placeholder="billing@example.com"
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
