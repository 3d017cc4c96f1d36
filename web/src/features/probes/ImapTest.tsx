import { useState } from 'react';
import { api, type DiagnosticResult, type MailAccount, type MailServer } from '../../api.js';
import { useAction } from '../../hooks.js';
import { Field } from '../../ui/index.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { DiagnosticRun } from './DiagnosticRun.js';

/**
 * POST /diagnostics/imap against the saved IMAP section of a server: connect, TLS and, with
 * an account, log in with its stored password and open INBOX.
 */
export function ImapTest({ server, accounts, fixedAccount }: { server: MailServer; accounts: MailAccount[]; fixedAccount?: MailAccount }) {
  const [accountId, setAccountId] = useState(fixedAccount?.id ?? accounts[0]?.id ?? '');
  const [result, setResult] = useState<DiagnosticResult | null>(null);
  const test = useAction();
  if (!server.imap) return null;

  const run = async () => {
    setResult(null);
    const r = await test.run(() => api.post<DiagnosticResult>('/diagnostics/imap', accountId ? { serverId: server.id, accountId } : { serverId: server.id }));
    if (r) setResult(r);
  };

  return (
    <section className="card" aria-labelledby={`imap-test-${server.id}`} data-testid="imap-test">
      <h2 id={`imap-test-${server.id}`}>Test IMAP</h2>
      <p className="muted small">
        Connects to the saved IMAP server{' '}
        <code>
          {server.imap.host}:{server.imap.port}
        </code>{' '}
        and, with an account, logs in with its stored password and opens INBOX.
      </p>
      {!fixedAccount ? (
        <div className="form-grid narrow-form">
          <Field label="Log in as" id={`imap-acc-${server.id}`}>
            <AccountSelect id={`imap-acc-${server.id}`} accounts={accounts} none="Nobody: connection and TLS only" value={accountId} onChange={setAccountId} />
          </Field>
        </div>
      ) : null}
      <DiagnosticRun label="Test IMAP" onRun={() => void run()} test={test} result={result} />
    </section>
  );
}
