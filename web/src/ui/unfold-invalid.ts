import type { FormEvent } from 'react';

/**
 * A form's onInvalidCapture: a field the browser finds invalid (a number out of its min/max)
 * inside a folded <details> section cannot be focused, so the browser refuses the submit without
 * a word ("An invalid form control is not focusable"). Unfolding its section before the browser
 * looks for it lets it show the field and its message.
 */
export function unfoldInvalid(e: FormEvent<HTMLFormElement>): void {
  unfoldAround(e.target as HTMLElement);
}

/** Opens every folded <details> around `control`, so it can be seen and focused. */
export function unfoldAround(control: Element): void {
  for (let el = control.closest('details'); el; el = el.parentElement?.closest('details') ?? null) {
    if (!el.open) el.open = true;
  }
}
