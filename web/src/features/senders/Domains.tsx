import { useState, type FormEvent } from 'react';
import type { DkimKey, MailAccount } from '../../api.js';
import { formatDate } from '../../format.js';
import { useList } from '../../lists.js';
import { mayLeave } from '../../leave-guard.js';
import { navigate, useLocation } from '../../router.js';
import { Badge, DataTable, Empty, ErrorBox, Field, FieldError, ListState, PageHeader, Spinner } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { DomainCheckView } from '../probes/DomainCheckView.js';
import { DkimKeyCard } from './DkimKeyCard.js';
import { mailDomain } from './mail-domain.js';

/** The domains the configured accounts send from (their addresses and @domain aliases), for quick picks. */
function accountDomains(accounts: MailAccount[]): string[] {
  const out = new Set<string>();
  for (const a of accounts) {
    for (const x of [a.address, ...a.aliases]) {
      const d = x.slice(x.lastIndexOf('@') + 1).toLowerCase();
      if (d) out.add(d);
    }
  }
  return [...out].sort();
}

const notADomain = (text: string) => `“${text.trim()}” is not a domain name: write it as example.com (or mail.example.com)`;

/** Sender domains: DKIM keys (with the record to publish) and the DNS check of MX, SPF, DKIM, DMARC. */
export function Domains() {
  const { can } = useSession();
  const isAdmin = can('admin');
  const asked = useLocation().query.get('domain') ?? '';
  // The address bar may hold any spelling (a link, a bookmark): the cards open for the one the server keeps.
  const domain = mailDomain(asked) ?? '';
  const keys = useList<DkimKey>('/dkim');
  const accounts = useList<MailAccount>('/accounts');
  const [typed, setTyped] = useState(asked);
  const [refused, setRefused] = useState<string | null>(asked && !domain ? notADomain(asked) : null);
  const picks = accountDomains(accounts.items);
  const current = keys.items.find((k) => k.domain === domain);
  /**
   * Another domain starts the DKIM card afresh, on the same path: the router lets a new query
   * through, so work typed in the card is asked about here. Resolves whether it went.
   */
  const open = async (d: string): Promise<boolean> => {
    if (d !== domain && !(await mayLeave())) return false;
    navigate(`/domains?domain=${encodeURIComponent(d)}`);
    return true;
  };
  const choose = (d: string) =>
    void open(d).then((went) => {
      if (!went) return;
      setTyped(d);
      setRefused(null);
    });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const d = mailDomain(typed);
    setRefused(d ? null : notADomain(typed));
    if (d) void open(d).then((went) => went && setTyped(d));
  };

  return (
    <>
      <PageHeader title="Sender domains" subtitle="DKIM keys that sign outgoing mail, and a DNS check of what receivers will see for each From domain." />
      <section className="card" aria-labelledby="pick-h">
        <h2 id="pick-h">Domain</h2>
        <form className="inline domain-pick" onSubmit={submit} aria-label="Choose a domain">
          <Field label="Domain name" id="domain-input">
            <input
              id="domain-input"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder="example.com"
              maxLength={253}
              spellCheck={false}
              autoCapitalize="off"
              aria-invalid={refused ? 'true' : undefined}
            />
            <FieldError id="domain-input-error" message={refused} />
          </Field>
          <button type="submit" className="btn btn-primary" disabled={!typed.trim()}>
            Open
          </button>
        </form>
        {picks.length > 0 ? (
          <div className="quick-picks" role="group" aria-label="Domains of your accounts">
            <span className="muted small">Your accounts send from:</span>
            {picks.map((d) => (
              <button
                type="button"
                key={d}
                className={d === domain ? 'btn btn-small pick selected' : 'btn btn-small pick'}
                aria-pressed={d === domain}
                onClick={() => choose(d)}
              >
                {d}
              </button>
            ))}
          </div>
        ) : accounts.loading ? (
          <Spinner label="Loading accounts…" />
        ) : null}
        <ErrorBox error={accounts.error} />
      </section>

      {domain ? (
        keys.data ? (
          <div className="domain-panels">
            <DkimKeyCard key={`dkim-${domain}`} domain={domain} dkimKey={current} editable={isAdmin} onChanged={keys.reload} />
            {isAdmin ? (
              accounts.data ? (
                <DomainCheckView key={`check-${domain}`} domain={domain} accounts={accounts.items} defaultSelector={current?.selector} />
              ) : (
                <Spinner />
              )
            ) : (
              <p className="muted small">Only an admin can run the DNS check.</p>
            )}
          </div>
        ) : (
          <Spinner />
        )
      ) : null}

      <h2 className="section-title">DKIM keys</h2>
      <ListState
        list={keys}
        empty={
          <Empty title="No DKIM key yet">
            <p>Mail goes out unsigned. Pick a domain above and create a key{isAdmin ? '' : ' (an admin can)'}.</p>
          </Empty>
        }
      >
        <DataTable
          rows={keys.items}
          rowKey={(k) => k.domain}
          rowProps={(k) => ({ 'aria-current': k.domain === domain ? 'true' : undefined })}
          columns={[
            { header: 'Domain', cell: (k) => <strong>{k.domain}</strong> },
            { header: 'Selector', cell: (k) => <code>{k.selector}</code> },
            {
              header: 'Key',
              cell: (k) => (
                <>
                  {k.keyBits}-bit <Badge kind={k.source === 'imported' ? 'info' : 'neutral'}>{k.source}</Badge>
                </>
              ),
            },
            { header: 'Updated', cell: (k) => formatDate(k.updatedAt) },
          ]}
          actions={(k) => (
            <button type="button" className="btn btn-small" onClick={() => choose(k.domain)}>
              {isAdmin ? 'Manage' : 'Show record'}
              <span className="sr-only"> {k.domain}</span>
            </button>
          )}
        />
      </ListState>
    </>
  );
}
