import { useState, type FormEvent } from 'react';
import { api, withQuery, type CheckResult, type DomainCheck, type MailAccount } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox, Field, FormActions, Spinner } from '../../ui/index.js';
import { AccountSelect } from '../senders/AccountSelect.js';
import { ProbeStep, ProbeSteps } from './ProbeSteps.js';

const ICON = { pass: '✓', warn: '!', fail: '✕' } as const;
const SAID = { pass: 'passed', warn: 'warning', fail: 'failed' } as const;

function Check({ name, title, result, extra }: { name: string; title: string; result: CheckResult; extra?: string | null }) {
  return (
    <ProbeStep
      status={result.status}
      icon={ICON[result.status]}
      title={title}
      head={
        <>
          <span className={`chip chip-${result.status === 'pass' ? 'ok' : result.status === 'warn' ? 'warn' : 'bad'}`}>
            {result.status}
            <span className="sr-only"> ({SAID[result.status]})</span>
          </span>
          {extra ? <span className="muted small">{extra}</span> : null}
        </>
      }
      detail={result.explanation}
      reply={result.records.join('\n')}
      replyLabel={`${title} records`}
      hint={result.hint}
      attrs={{ 'data-check': name }}
    />
  );
}

function spfCoverage(c: DomainCheck['spf']): string | null {
  if (!c.serverHost) return null;
  if (c.covers === true) return `covers ${c.serverHost}`;
  if (c.covers === false) return `does not cover ${c.serverHost}`;
  return `coverage of ${c.serverHost} unknown`;
}

/** Runs GET /domains/:domain/check and shows MX, SPF, DKIM and DMARC as pass / warn / fail. */
export function DomainCheckView({ domain, accounts, defaultSelector }: { domain: string; accounts: MailAccount[]; defaultSelector?: string }) {
  const sameDomain = accounts.find((a) => a.address.toLowerCase().endsWith(`@${domain}`));
  const [accountId, setAccountId] = useState(sameDomain?.id ?? '');
  const [selector, setSelector] = useState('');
  const [result, setResult] = useState<DomainCheck | null>(null);
  const check = useAction();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setResult(null);
    const r = await check.run(() => api.get<DomainCheck>(withQuery(`/domains/${encodeURIComponent(domain)}/check`, { selector: selector.trim(), accountId })));
    if (r) setResult(r);
  };

  return (
    <section className="card domain-check" aria-labelledby="check-h" data-testid="domain-check">
      <h2 id="check-h">DNS check for {domain}</h2>
      <p className="muted small">Looks up MX, SPF, DKIM and DMARC as receivers see them, and whether SPF authorises the account's server.</p>
      <form onSubmit={submit} aria-label={`Check ${domain}`}>
        <div className="form-grid">
          <Field label="Account (for SPF)" id="check-account" hint="SPF is checked against this account's SMTP server.">
            <AccountSelect id="check-account" accounts={accounts} none="No account: just read the record" value={accountId} onChange={setAccountId} />
          </Field>
          <Field label="DKIM selector" id="check-selector" hint={defaultSelector ? `Empty: Mailroom's key (“${defaultSelector}”).` : "Empty: Mailroom's key, if any. Or your provider's, e.g. “google”."}>
            <input id="check-selector" value={selector} onChange={(e) => setSelector(e.target.value)} placeholder={defaultSelector ?? ''} maxLength={63} spellCheck={false} autoCapitalize="off" />
          </Field>
        </div>
        <FormActions submit={{ label: 'Run check', busy: check.busy, busyLabel: 'Checking…' }} />
      </form>
      <ErrorBox error={check.error} title="Check not run" />
      {check.busy ? <Spinner label="Asking DNS…" /> : null}
      {result ? (
        <ProbeSteps ok={result.ok} summary={result.ok ? `${result.domain}: nothing fails.` : `${result.domain}: something fails — see the hints.`}>
          <Check name="mx" title="MX (receives replies and bounces)" result={result.mx} />
          <Check name="spf" title="SPF" result={result.spf} extra={spfCoverage(result.spf)} />
          <Check name="dkim" title="DKIM" result={result.dkim} extra={result.dkim.name} />
          <Check name="dmarc" title="DMARC" result={result.dmarc} extra={result.dmarc.policy ? `policy ${result.dmarc.policy}` : null} />
        </ProbeSteps>
      ) : null}
    </section>
  );
}
