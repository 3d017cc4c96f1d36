import { useState } from 'react';

/** Old-fashioned fallback for browsers that refuse the async clipboard (plain http on a LAN name). */
function copyBySelection(text: string): boolean {
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  ta.select();
  try {
    return document.execCommand('copy');
  } finally {
    ta.remove();
  }
}

/**
 * Copies `text` and says so next to the button (announced to screen readers). `onCopied` hears
 * of a copy that worked: a value shown only once stops asking before it is lost (ShownOnceGuard).
 */
export function CopyButton({ text, label, onCopied }: { text: string; label: string; onCopied?(): void }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    let ok: boolean;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      ok = copyBySelection(text);
    }
    setState(ok ? 'copied' : 'failed');
    if (ok) onCopied?.();
    window.setTimeout(() => setState('idle'), 2500);
  };
  return (
    <span className="copy">
      <button type="button" className="btn btn-small" onClick={() => void copy()} aria-label={label}>
        Copy
      </button>
      <span role="status" className={state === 'failed' ? 'small text-error' : 'small muted'}>
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </span>
  );
}
