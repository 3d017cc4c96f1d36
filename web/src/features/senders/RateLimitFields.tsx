import type { RateLimit } from '../../api.js';
import { errorFor, Field, FieldError, fieldIsAt } from '../../ui/index.js';

/**
 * Sending limits per minute, hour and day, as the account form and the server form both edit
 * them (the API takes the same `rateLimit` object on both). The dispatcher applies an account's
 * limits and its server's together and defers, never fails, a message over either.
 */
export type RateDraft = { perMinute: string; perHour: string; perDay: string };

const KEYS = ['perMinute', 'perHour', 'perDay'] as const;

export function rateDraft(r: RateLimit | null | undefined): RateDraft {
  return { perMinute: r?.perMinute?.toString() ?? '', perHour: r?.perHour?.toString() ?? '', perDay: r?.perDay?.toString() ?? '' };
}

/** Empty boxes mean "no limit"; all empty is null. Values go as typed numbers so the API judges them. */
export function rateBody(d: RateDraft): RateLimit | null {
  const out: RateLimit = {};
  for (const k of KEYS) if (d[k].trim() !== '') out[k] = Number(d[k]);
  return Object.keys(out).length ? out : null;
}

/** Whether the draft differs from what is stored, key by key (so key order cannot matter). */
export function rateChanged(d: RateDraft, stored: RateLimit | null | undefined): boolean {
  const next = rateBody(d);
  return KEYS.some((k) => next?.[k] !== stored?.[k]);
}

const UNIT = { perMinute: 'min', perHour: 'h', perDay: 'day' } as const;

/** "≤ 100/min · 5,000/day", or null when there is no limit. */
export function rateSummary(r: RateLimit | null | undefined): string | null {
  const parts = KEYS.filter((k) => r?.[k] !== undefined).map((k) => `${r![k]!.toLocaleString('en')}/${UNIT[k]}`);
  return parts.length ? `≤ ${parts.join(' · ')}` : null;
}

const RATE_LABELS = { perMinute: 'Per minute', perHour: 'Per hour', perDay: 'Per day' } as const;

const TEXT = {
  account: {
    legend: 'Sending limits of this account',
    hint: "Messages over a limit wait for the next window (they are not lost). Empty: no limit of its own; the server's limits still apply.",
  },
  server: {
    legend: 'Sending limits of this server',
    hint: "Shared by all accounts on this server and applied on top of each account's own limits; a message over either waits for the next window, it does not fail.",
  },
} as const;

interface Props {
  id: string;
  /** Whose limits these are; the wording differs (the account form leaves it at 'account'). */
  scope?: 'account' | 'server';
  value: RateDraft;
  onChange: (v: RateDraft) => void;
  /** The field the API blamed and its message (useAction's `field` and `error`). */
  field: string | null;
  error: string | null;
  /** Inside a folded section whose summary already names it: the legend is kept for screen readers only. */
  legendHidden?: boolean;
}

/** The refusal said at the limit `k`: its own, or one of the whole `rateLimit` (said at each box). */
const refusalAt = (field: string | null, error: string | null, k: (typeof KEYS)[number]) => errorFor(field, error, `rateLimit.${k}`) ?? (field === 'rateLimit' ? errorFor(field, error, 'rateLimit') : null);

/** Whether the API's refusal of `field` is said at one of the limits. */
export const refusedAtRateLimits = (field: string | null) => field === 'rateLimit' || KEYS.some((k) => fieldIsAt(field, `rateLimit.${k}`));

export function RateLimitFields({ id, scope = 'account', value, onChange, field, error, legendHidden }: Props) {
  const text = TEXT[scope];
  return (
    <fieldset className="field-wide" data-testid="rate-limits">
      <legend className={legendHidden ? 'sr-only' : undefined}>{text.legend}</legend>
      <p className="hint">{text.hint}</p>
      <div className="form-grid">
        {KEYS.map((k) => {
          const message = refusalAt(field, error, k);
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
