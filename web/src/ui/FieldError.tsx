import { useEffect, useRef } from 'react';
import { fieldPath } from '../api.js';
import { fieldInWords } from '../format.js';
import { unfoldAround } from './unfold-invalid.js';

/**
 * The API's validation message beside the field it names. The control marked invalid beside it
 * is described by it (a screen reader reads the message with the field), a folded section around
 * it opens, and right after a save (focus on a button, or nowhere) the cursor goes to that
 * control: a refusal far above the Save button scrolls into view, and a keyboard user is where
 * the correction is typed.
 *
 * `announce` makes it an alert, read out as it appears: for a check the page makes itself on
 * Enter in the field (a locale tag), where the focus is in the field already, so moving it there
 * would say nothing.
 */
export function FieldError({ id, message, announce }: { id: string; message: string | null; announce?: boolean }) {
  const ref = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    const control = message ? ref.current?.parentElement?.querySelector<HTMLElement>('[aria-invalid="true"]') : null;
    if (!control) return;
    const described = control.getAttribute('aria-describedby');
    // A form that ties the message to its control itself keeps its attribute as it wrote it.
    const added = !described?.split(' ').includes(id);
    if (added) control.setAttribute('aria-describedby', described ? `${described} ${id}` : id);
    // A refused field in a folded section (a server's IMAP, its timeouts): the section opens so the message is seen.
    unfoldAround(control);
    const active = document.activeElement;
    // Never take the cursor from someone typing in another field.
    if (!active || active === document.body || active instanceof HTMLButtonElement) control.focus();
    return () => {
      if (!added) return;
      const now = control.getAttribute('aria-describedby')?.split(' ').filter((x) => x !== id) ?? [];
      if (now.length) control.setAttribute('aria-describedby', now.join(' '));
      else control.removeAttribute('aria-describedby');
    };
  }, [id, message]);
  if (!message) return null;
  return (
    <span className="field-error" id={id} ref={ref} role={announce ? 'alert' : undefined}>
      {message}
    </span>
  );
}

/** Whether the API's `field` is `prefix` or lies in it ("aliases.1" in "aliases"): where errorFor says it. */
export function fieldIsAt(field: string | null, prefix: string): boolean {
  return Boolean(field && (field === prefix || field.startsWith(`${prefix}.`)));
}

/** "aliases.1: …" → the part after the field name, which is what reads well beside the field. */
export function errorFor(field: string | null, error: string | null, prefix: string): string | null {
  if (!error || !fieldIsAt(field, prefix)) return null;
  return error.replace(/^[\w.[\]]+:\s*/, '');
}

/**
 * A refusal said under a form, about something it has no field for: the API's field path at its
 * start ("reports.overrides: …") becomes what the form calls it (`labels`, "Individual reports: …"),
 * or the path in words when the form has no name for it.
 */
export function refusalInWords(field: string | null, error: string | null, labels: Record<string, string>): string | null {
  if (!error || !field) return error;
  const path = /^([\w.[\]]+):\s*/.exec(error);
  if (!path || fieldPath(path[1]) !== field) return error;
  const label = labels[field] ?? fieldInWords(field);
  return `${label.charAt(0).toUpperCase()}${label.slice(1)}: ${error.slice(path[0].length)}`;
}
