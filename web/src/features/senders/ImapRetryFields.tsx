import { useEffect, useRef, useState } from 'react';
import type { MailServer } from '../../api.js';
import { DurationInput, Field, FieldError, fieldIsAt } from '../../ui/index.js';
import type { ErrorAt } from './SecurityFields.js';

/** IMAP (for replies and bounces) and the retry schedule: the parts of a server most admins leave alone. */
export interface ImapRetryDraft {
  imapOn: boolean;
  imapHost: string;
  imapPort: string;
  imapSecurity: 'tls' | 'starttls' | 'none';
  backoff: string;
  intervalSec: string;
  expireAfterSec: string;
}

export function imapRetryDraft(s?: Partial<Pick<MailServer, 'imap' | 'retry'>>): ImapRetryDraft {
  return {
    imapOn: !!s?.imap,
    imapHost: s?.imap?.host ?? '',
    imapPort: String(s?.imap?.port ?? 993),
    imapSecurity: s?.imap?.security ?? 'tls',
    backoff: (s?.retry?.backoffSec ?? [5, 30, 300]).join(', '),
    intervalSec: String(s?.retry?.intervalSec ?? 900),
    expireAfterSec: String(s?.retry?.expireAfterSec ?? 259_200),
  };
}

export function imapRetryBody(x: ImapRetryDraft): Pick<MailServer, 'imap' | 'retry'> {
  return {
    imap: x.imapOn ? { host: x.imapHost.trim(), port: Number(x.imapPort), security: x.imapSecurity } : null,
    retry: {
      backoffSec: x.backoff
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number),
      intervalSec: Number(x.intervalSec),
      expireAfterSec: Number(x.expireAfterSec),
    },
  };
}

/**
 * What is wrong with the typed retry delays, in the field's words, or null. `Number` made "30s"
 * null in the body and the API answered "must be a whole number, not null": the typed word is
 * named here instead, and the form is not sent while one stands (the input holds it as its
 * validity, which the browser checks before submitting).
 */
export function backoffProblem(text: string): string | null {
  const bad = text.split(/[\s,]+/).filter(Boolean).find((part) => !/^\d+$/.test(part));
  return bad === undefined ? null : `‘${bad}’ is not a whole number of seconds: write the delays as numbers, e.g. 5, 30, 300.`;
}

/** Whether the API's refusal of `field` is said at one of these fields, as they show `value`. */
export function refusedInImapRetry(field: string | null, value: ImapRetryDraft): boolean {
  const at = (p: string) => fieldIsAt(field, p);
  return (value.imapOn && (at('imap.host') || at('imap.port') || at('imap.security'))) || at('retry.backoffSec') || at('retry.intervalSec') || at('retry.expireAfterSec');
}

const invalid = (message: string | null) => (message ? true : undefined);

export function ImapRetryFields({ value, onChange, idPrefix, errorAt = () => null }: { value: ImapRetryDraft; onChange: (x: ImapRetryDraft) => void; idPrefix: string; errorAt?: ErrorAt }) {
  const set = (patch: Partial<ImapRetryDraft>) => onChange({ ...value, ...patch });
  const err = {
    host: errorAt('imap.host'),
    sec: errorAt('imap.security'),
    port: errorAt('imap.port'),
    backoff: errorAt('retry.backoffSec'),
    interval: errorAt('retry.intervalSec'),
    expire: errorAt('retry.expireAfterSec'),
  };
  // A delay that is not a whole number is said at the field before anything is sent.
  const backoffTyped = backoffProblem(value.backoff);
  const backoffError = backoffTyped ?? err.backoff;
  const backoffRef = useRef<HTMLInputElement>(null);
  useEffect(() => backoffRef.current?.setCustomValidity(backoffTyped ?? ''), [backoffTyped]);
  const id = idPrefix;
  // The durations' own problems (a fraction of a second, under a minute, over the limit), said
  // in the unit on screen and holding the form back as the delays' do; the API said them in
  // seconds. Each is kept with the value it was found in: a value put back from outside (Undo,
  // a reload) has none.
  const [typed, setTyped] = useState<{ interval?: { at: string; problem: string | null }; expire?: { at: string; problem: string | null } }>({});
  const intervalTyped = typed.interval?.at === value.intervalSec ? typed.interval.problem : null;
  const expireTyped = typed.expire?.at === value.expireAfterSec ? typed.expire.problem : null;
  const intervalError = intervalTyped ?? err.interval;
  const expireError = expireTyped ?? err.expire;
  useEffect(() => (document.getElementById(`${id}-interval`) as HTMLInputElement | null)?.setCustomValidity(intervalTyped ?? ''), [id, intervalTyped]);
  useEffect(() => (document.getElementById(`${id}-expire`) as HTMLInputElement | null)?.setCustomValidity(expireTyped ?? ''), [id, expireTyped]);
  const duration = (key: 'interval' | 'expire', field: 'intervalSec' | 'expireAfterSec') => (s: number | null, problem: string | null) => {
    const at = s === null ? '' : String(s);
    setTyped((t) => ({ ...t, [key]: { at, problem } }));
    set({ [field]: at });
  };
  return (
    <>
      <details className="field-wide">
        <summary>IMAP</summary>
        <div className="field checkbox-field">
          <label>
            <input type="checkbox" checked={value.imapOn} onChange={(e) => set({ imapOn: e.target.checked })} /> This server also offers IMAP (its connection can be tested with Test IMAP)
          </label>
        </div>
        {value.imapOn ? (
          <div className="form-grid">
            <Field label="IMAP host" id={`${id}-imap-host`}>
              <input id={`${id}-imap-host`} required value={value.imapHost} onChange={(e) => set({ imapHost: e.target.value })} spellCheck={false} autoCapitalize="off" aria-invalid={invalid(err.host)} />
              <FieldError id={`${id}-imap-host-error`} message={err.host} />
            </Field>
            <Field label="IMAP encryption" id={`${id}-imap-sec`}>
              <select
                id={`${id}-imap-sec`}
                value={value.imapSecurity}
                aria-invalid={invalid(err.sec)}
                onChange={(e) => {
                  const security = e.target.value as ImapRetryDraft['imapSecurity'];
                  // Keep the port in step with the mode when it is still a standard one.
                  const port = ['993', '143', ''].includes(value.imapPort) ? (security === 'tls' ? '993' : '143') : value.imapPort;
                  set({ imapSecurity: security, imapPort: port });
                }}
              >
                <option value="tls">Implicit TLS (993)</option>
                <option value="starttls">STARTTLS (143)</option>
                <option value="none">No encryption (internal only)</option>
              </select>
              <FieldError id={`${id}-imap-sec-error`} message={err.sec} />
            </Field>
            <Field label="IMAP port" id={`${id}-imap-port`}>
              <input id={`${id}-imap-port`} type="number" min={1} max={65535} value={value.imapPort} onChange={(e) => set({ imapPort: e.target.value })} aria-invalid={invalid(err.port)} />
              <FieldError id={`${id}-imap-port-error`} message={err.port} />
            </Field>
          </div>
        ) : null}
      </details>
      <details className="field-wide">
        <summary>Retries and expiry</summary>
        <div className="form-grid">
          <Field label="First retries after (s)" id={`${id}-backoff`} hint="Comma-separated, e.g. 5, 30, 300.">
            <input ref={backoffRef} id={`${id}-backoff`} value={value.backoff} onChange={(e) => set({ backoff: e.target.value })} aria-invalid={invalid(backoffError)} />
            <FieldError id={`${id}-backoff-error`} message={backoffError} />
          </Field>
          <Field label="Then every" id={`${id}-interval`}>
            <DurationInput id={`${id}-interval`} seconds={value.intervalSec === '' ? null : Number(value.intervalSec)} maxSeconds={86_400} onChange={duration('interval', 'intervalSec')} invalid={Boolean(intervalError)} />
            <FieldError id={`${id}-interval-error`} message={intervalError} />
          </Field>
          <Field label="Give up after" id={`${id}-expire`} hint="The message expires this long after it was accepted (default 3 days).">
            <DurationInput id={`${id}-expire`} seconds={value.expireAfterSec === '' ? null : Number(value.expireAfterSec)} minSeconds={60} maxSeconds={30 * 86_400} onChange={duration('expire', 'expireAfterSec')} invalid={Boolean(expireError)} />
            <FieldError id={`${id}-expire-error`} message={expireError} />
          </Field>
        </div>
      </details>
    </>
  );
}
