import type { MailAccount, MailServer } from '../../api.js';
import { SendTestEmail } from '../outbox/SendTestEmail.js';
import { useAccountSmtpTest } from '../probes/account-test.js';
import { DiagnosticRun } from '../probes/DiagnosticRun.js';
import { ImapTest } from '../probes/ImapTest.js';

/** On a saved account's page: test its connection with the stored password, send it a test email, test IMAP. */
export function AccountTools({ account, server }: { account: MailAccount; server: MailServer | undefined }) {
  const { result, test, run } = useAccountSmtpTest(account.id);

  return (
    <>
      <section className="card" aria-labelledby="acc-tools-h">
        <h2 id="acc-tools-h">Try this account</h2>
        <p className="muted small">Uses the saved settings and stored password; save your changes first.</p>
        <DiagnosticRun label="Test connection" onRun={() => void run()} test={test} result={result} />
        <div className="subsection">
          <h3>Send test email</h3>
          <SendTestEmail accounts={[account]} idPrefix={`acc-${account.id}`} confirmable={account.active && account.inbound?.enabled === true} />
        </div>
      </section>
      {server?.imap ? <ImapTest server={server} accounts={[account]} fixedAccount={account} /> : null}
    </>
  );
}
