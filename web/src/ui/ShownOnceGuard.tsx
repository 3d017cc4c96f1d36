import { useCallback, useState } from 'react';
import { WorkGuard } from './WorkGuard.js';

/**
 * Whether `value`, shown only once (a new API key, a signing secret, an SMTP password), was
 * copied: by its Copy button, or by the browser's own copy of its selected text (`onCopy` on the
 * element showing it). Until then the card guards it (ShownOnceGuard). Another value in the same
 * card (a second rotation) is not copied yet, whatever the first was.
 */
export function useCopied(value: string) {
  const [copiedValue, setCopiedValue] = useState<string | null>(null);
  const markCopied = useCallback(() => setCopiedValue(value), [value]);
  return { copied: copiedValue === value, markCopied };
}

/**
 * While the value named `what` is on screen and not copied, leaving the page, or a switch that
 * would put another in its place, asks first: "The key “CI” is shown only this once: leave
 * without copying it?" Copying it, or Done (which takes the card away), ends the question.
 */
export function ShownOnceGuard({ copied, what }: { copied: boolean; what: string }) {
  return <WorkGuard active={!copied} what={what} kind="shown-once" />;
}
