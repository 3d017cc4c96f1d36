import { Fragment, useState, type FormEvent } from 'react';
import { api, notifyChanged, type MailAccount, type MessageSummary, type TestEmailQueued } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction, useResource } from '../../hooks.js';
import { errorFor, ErrorBox, Field, FieldError, Notice, Spinner } from '../../ui/index.js';
import { MessageWatch } from '../outbox/MessageWatch.js';
import { useAccountSmtpTest } from '../probes/account-test.js';
import { DiagnosticSteps } from '../probes/DiagnosticSteps.js';
import { PresetsUnavailable } from '../senders/PresetNotes.js';
import { wentOut } from './resume.js';
import { loadPresets, type Preset } from '../senders/presets.js';

export const CUSTOM: Preset = { id: 'custom', name: 'Other SMTP server', smtp: {}, notes: ['Enter the host, port and encryption your provider documents.'] };

/**
 * A provider's host and port in a narrow tile: a line breaks after a dot of the host, and the port
 * stays whole with its colon (the tile's break-anywhere rule made `smtp.sendgrid.net:58` / `7`).
 */
function HostPort({ host, port }: { host: string; port: number | undefined }) {
  const labels = host.split('.');
  return (
    <span className="muted small">
      {labels.map((label, i) => (
        <Fragment key={i}>
          {label}
          {i < labels.length - 1 ? (
            <>
              .<wbr />
            </>
          ) : null}
        </Fragment>
      ))}
      {port === undefined ? null : <span className="nowrap">:{port}</span>}
    </span>
  );
}

export function PresetStep({ chosen, onChoose }: { chosen: Preset | null; onChoose: (p: Preset) => void }) {
  const presets = useResource(loadPresets, []);
  const list = [...(presets.data ?? []), CUSTOM];
  return (
    <div>
      <p className="muted">Pick your mail provider: Mailroom fills in the host, port and encryption and tells you its catch.</p>
      {presets.loading ? <Spinner /> : null}
      {presets.error ? <PresetsUnavailable error={presets.error} /> : null}
      <div className="preset-grid" role="radiogroup" aria-label="Provider">
        {list.map((p) => (
          <button key={p.id} type="button" role="radio" aria-checked={chosen?.id === p.id} className={chosen?.id === p.id ? 'preset selected' : 'preset'} onClick={() => onChoose(p)}>
            <span className="preset-name">{p.name}</span>
            {p.smtp.host ? <HostPort host={p.smtp.host} port={p.smtp.port} /> : null}
          </button>
        ))}
      </div>
    </div>
  );
}

/** Step 4. `onPassed(ok)`: on to step 5; `ok` only after a test that passed (a skip or *Continue anyway* leaves the step not done). */
export function TestStep({ account, onPassed }: { account: MailAccount; onPassed: (ok: boolean) => void }) {
  const { result, test, run } = useAccountSmtpTest(account.id);
  return (
    <div>
      <p className="muted">
        Connects to the server as <strong>{account.login ?? account.address}</strong> and checks every step: DNS, TCP, TLS, EHLO and login. Nothing is sent.
      </p>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={() => void run()} disabled={test.busy}>
          {test.busy ? 'Testing…' : result ? 'Test again' : 'Test connection'}
        </button>
        {result || test.error ? (
          <button type="button" className={result?.ok ? 'btn btn-primary' : 'btn'} onClick={() => onPassed(result?.ok === true)}>
            {result?.ok ? 'Continue' : 'Continue anyway'}
          </button>
        ) : (
          <button type="button" className="btn btn-link" onClick={() => onPassed(false)}>
            Skip the test
          </button>
        )}
      </div>
      <ErrorBox error={test.error} title="Test not run" />
      <DiagnosticSteps result={result} running={test.busy} />
      {result && !result.ok ? <p className="muted small">Fix the server or the account (steps 2 and 3), then test again.</p> : null}
    </div>
  );
}

/**
 * Step 5: a real message through the outbox. A form, so Enter in *Send to* sends as the button
 * says; the API's refusal of the address is said at the field (without its `to:`), and goes once
 * the address is edited. `last`: the account's newest test email before this visit, followed like
 * a new one; one that failed, expired or was cancelled says so and why, and the step offers to send
 * again. `onSent(message)`: on to step 6, with the test email followed as it is now (null: none).
 */
export function SendStep({ account, last, onSent }: { account: MailAccount; last: MessageSummary | null; onSent: (message: MessageSummary | null) => void }) {
  const [to, setTo] = useState('');
  const [messageId, setMessageId] = useState<string | null>(last?.id ?? null);
  const send = useAction(to);
  const leaving = useAction();
  const toError = errorFor(send.field, send.error, 'to');
  const earlier = last && messageId === last.id ? last : null;
  // The earlier one never went out (or has not yet): sending is the way on, not Continue.
  const notSent = earlier !== null && NEVER_WENT_OUT.includes(earlier.status);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setMessageId(null);
    const r = await send.run(() => api.post<TestEmailQueued>(`/accounts/${account.id}/test`, to.trim() ? { to: to.trim() } : {}));
    if (r) setMessageId(r.messageId);
  };
  // Whether the message followed went out is asked as the step is left: it may have been sent since.
  const goOn = async () => {
    if (!messageId) return onSent(null);
    const m = await leaving.run(() => api.get<MessageSummary>(`/messages/${encodeURIComponent(messageId)}`));
    onSent(m ?? null);
  };
  return (
    <form onSubmit={submit} aria-label="Send a test email">
      <p className="muted">Sends a real message through the outbox, so it also appears in the email log.</p>
      {earlier ? <EarlierTestEmail last={earlier} /> : null}
      <div className="form-grid">
        <Field label="Send to" id="wizard-test-to" hint={`Leave empty to send to ${account.address} itself.`}>
          <input
            id="wizard-test-to"
            type="email"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            placeholder={account.address}
            aria-invalid={toError ? true : undefined}
          />
          <FieldError id="wizard-test-to-error" message={toError} />
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={send.busy}>
          {send.busy ? 'Sending…' : notSent ? 'Send again' : messageId ? 'Send another' : 'Send test email'}
        </button>
        <button type="button" className={messageId ? 'btn' : 'btn btn-link'} onClick={() => void goOn()} disabled={leaving.busy}>
          {notSent ? 'Continue anyway' : messageId ? 'Continue' : 'Skip the test email'}
        </button>
      </div>
      <ErrorBox error={toError ? null : send.error} title="Not sent" />
      {messageId ? <MessageWatch key={messageId} messageId={messageId} label="Test email" /> : null}
    </form>
  );
}

/** Ends in which the test email never went out: the step is not done, and says why. */
const NEVER_WENT_OUT: readonly MessageSummary['status'][] = ['failed', 'expired', 'cancelled', 'bounced', 'suppressed'];

/** The account's newest test email from before this visit: sent, on its way, or why it was not. */
function EarlierTestEmail({ last }: { last: MessageSummary }) {
  const when = `on ${formatDate(last.createdAt)} to ${last.to.join(', ')}`;
  if (wentOut(last)) {
    return (
      <p className="muted small" data-testid="earlier-test-email">
        A test email was sent from this account {when}.
      </p>
    );
  }
  if (!NEVER_WENT_OUT.includes(last.status)) {
    return (
      <p className="muted small" data-testid="earlier-test-email">
        A test email from this account ({when}) is on its way: its status below changes once it is sent or fails. The step is done once it is sent.
      </p>
    );
  }
  return (
    <div className="alert alert-warning" data-testid="earlier-test-email" data-status={last.status}>
      The last test email from this account ({when}) {last.status === 'bounced' ? 'did not arrive' : 'was not sent'}: it {FATE[last.status] ?? last.status}
      {last.lastError ? (
        <>
          : <code className="small">{last.lastError}</code>
        </>
      ) : null}
      . Check the address (or the server and account, steps 2 and 3), then send it again.
    </div>
  );
}

const FATE: Partial<Record<MessageSummary['status'], string>> = { failed: 'failed', expired: 'expired', cancelled: 'was cancelled', bounced: 'bounced', suppressed: 'was suppressed' };

export function DefaultStep({ account, isDefault, onDone }: { account: MailAccount; isDefault: boolean; onDone: () => void }) {
  const save = useAction();
  // Chosen before (the wizard resumed after it): said as saved, not offered again.
  const [done, setDone] = useState(isDefault);
  const makeDefault = async () => {
    const ok = await save.run(() => api.patch('/settings', { defaultAccountId: account.id }).then(() => true));
    if (ok) {
      setDone(true);
      notifyChanged();
      onDone();
    }
  };
  return (
    <div>
      <p className="muted">
        The default account sends every message whose purpose names no account of its own. You can change it, and route each purpose to its own accounts, on the Routing page.
      </p>
      {done ? (
        <Notice kind="success">
          <strong>{account.address}</strong> is now the default sender. Mailroom is ready to send mail.
        </Notice>
      ) : (
        <button type="button" className="btn btn-primary" onClick={() => void makeDefault()} disabled={save.busy}>
          {save.busy ? 'Saving…' : `Make ${account.address} the default sender`}
        </button>
      )}
      <ErrorBox error={save.error} title="Not saved" />
    </div>
  );
}

/**
 * A server or account saved before, on its step: named as saved, with a way on that saves
 * nothing; the form below it changes it.
 */
export function SavedNote({ what, name, onContinue }: { what: 'server' | 'account'; name: string; onContinue: () => void }) {
  return (
    <Notice kind="success">
      <span data-testid={`saved-${what}`}>
        Saved {what}: <strong>{name}</strong>. Change it below and save, or go on with it.
      </span>{' '}
      <button type="button" className="btn btn-small btn-primary" onClick={onContinue}>
        Continue with this {what}
      </button>
    </Notice>
  );
}

/** "Or use one that is already saved": lets the wizard continue with a server or account made earlier (or from the environment). */
export function UseExisting<T extends { id: string }>({ items, label, describe, onUse, busy }: { items: T[]; label: string; describe: (x: T) => string; onUse: (x: T) => void; busy?: boolean }) {
  const [id, setId] = useState('');
  if (items.length === 0) return null;
  const chosen = items.find((x) => x.id === id);
  return (
    <div className="use-existing inline">
      <select aria-label={label} value={id} onChange={(e) => setId(e.target.value)}>
        <option value="">{label}…</option>
        {items.map((x) => (
          <option key={x.id} value={x.id}>
            {describe(x)}
          </option>
        ))}
      </select>
      <button type="button" className="btn btn-small" disabled={!chosen || busy} onClick={() => chosen && onUse(chosen)}>
        Use it
      </button>
    </div>
  );
}
