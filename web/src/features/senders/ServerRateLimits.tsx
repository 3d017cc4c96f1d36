import { useState } from 'react';
import { type RateDraft, rateBody, RateLimitFields, rateSummary } from './RateLimitFields.js';

/**
 * The server's sending limits, folded like its IMAP and retry sections; the summary line shows what is
 * set, so a folded section still says whether the server is limited. It unfolds by itself when
 * the API rejects a value in it, so the message at the field is seen.
 */
export function ServerRateLimits({ idPrefix, value, onChange, field, error }: { idPrefix: string; value: RateDraft; onChange: (v: RateDraft) => void; field: string | null; error: string | null }) {
  const [open, setOpen] = useState(() => rateBody(value) !== null);
  const blamed = field !== null && (field === 'rateLimit' || field.startsWith('rateLimit.'));
  // Adjusted while rendering (not in an effect) so the section opens in the same paint as the error.
  const [seen, setSeen] = useState<string | null>(null);
  if (blamed && seen !== field) {
    setSeen(field);
    setOpen(true);
  } else if (!blamed && seen !== null) setSeen(null);
  // A value the API would refuse (not a whole number from 1) is no limit of the server's: the
  // title does not present it as one, and says there is something to correct.
  const unfit = Object.values(value).some((v) => v.trim() !== '' && !/^[1-9]\d*$/.test(v.trim()));
  const summary = unfit ? 'a value to correct' : rateSummary(rateBody(value));
  return (
    <details className="field-wide" open={open} onToggle={(e) => setOpen(e.currentTarget.open)} data-testid="server-rate-limits">
      <summary>
        Sending limits <span className="hint">({summary ?? 'none'})</span>
      </summary>
      <RateLimitFields id={idPrefix} scope="server" value={value} onChange={onChange} field={field} error={error} legendHidden />
    </details>
  );
}
