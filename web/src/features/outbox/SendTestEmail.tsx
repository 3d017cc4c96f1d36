import { useState, type FormEvent } from 'react';
import { api, type MailAccount, type TestEmailQueued } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox, Field } from '../../ui/index.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { MessageWatch } from './MessageWatch.js';

/**
 * POST /accounts/:id/test from one saved account, then follow the message until it is sent or
 * failed. `confirmable` (an account that reads its own mailbox) offers to wait for the message
 * to arrive there; it is not offered otherwise, since nothing could ever confirm it.
 */
export function SendTestEmail({ accounts, idPrefix, confirmable = false }: { accounts: MailAccount[]; idPrefix: string; confirmable?: boolean }) {
  const [accountId, setAccountId] = useState(accounts[0]?.id ?? '');
  const [to, setTo] = useState('');
  const [confirm, setConfirm] = useState(false);
  const [sent, setSent] = useState<{ messageId: string; address: string } | null>(null);
  const send = useAction();
  const account = accounts.find((a) => a.id === accountId);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!account) return;
    setSent(null);
    const body = confirmable && confirm ? { confirm: true } : to.trim() ? { to: to.trim() } : {};
    const r = await send.run(() => api.post<TestEmailQueued>(`/accounts/${encodeURIComponent(account.id)}/test`, body));
    // Labelled by where it went: the address typed, else the account's own mailbox (the API's default).
    if (r) setSent({ messageId: r.messageId, address: 'to' in body && body.to ? body.to : account.address });
  };

  return (
    <form onSubmit={submit} aria-label="Send test email" className="narrow-form">
      <div className="form-grid">
        {accounts.length > 1 ? (
          <Field label="From account" id={`${idPrefix}-test-from`}>
            <AccountSelect id={`${idPrefix}-test-from`} accounts={accounts} value={accountId} onChange={setAccountId} />
          </Field>
        ) : null}
        {confirmable && confirm ? null : (
          <Field label="Send to" id={`${idPrefix}-test-to`} hint="Empty: the account sends to itself.">
            <input id={`${idPrefix}-test-to`} type="email" value={to} onChange={(e) => setTo(e.target.value)} placeholder={account?.address ?? 'you@example.com'} />
          </Field>
        )}
        {confirmable ? (
          <div className="field checkbox-field">
            <label>
              <input type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.target.checked)} /> Confirm it arrives (send to the account itself and wait for its mailbox to receive it)
            </label>
          </div>
        ) : null}
      </div>
      <div className="form-actions">
        <button type="submit" className="btn" disabled={send.busy || !account}>
          {send.busy ? 'Sending…' : 'Send test email'}
        </button>
      </div>
      <ErrorBox error={send.error} title="Not sent" />
      {sent ? <MessageWatch key={sent.messageId} messageId={sent.messageId} label={sent.address} /> : null}
    </form>
  );
}
