import { useState } from 'react';
import { api } from '../api.js';
import { Empty, ErrorBox, Notice, PageHeader, Spinner, StatusChip } from '../components/ui.js';
import { formatDate, smtpReply } from '../format.js';
import { useAction, useInterval, useResource } from '../hooks.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { FINAL_STATUSES, type MailAccount, type MessageDetail as Message, type Page } from '../types.js';

/** Headers arrive as an object or as a list of pairs; show them as pairs either way. */
function headerPairs(h: Message['headers']): [string, string][] {
  if (!h) return [];
  if (Array.isArray(h)) return h.map((x) => [x.key, x.value]);
  return Object.entries(h).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, String(v)] as [string, string]]));
}

/** Also blocks remote images and fonts (tracking pixels) inside the sandboxed preview. */
const CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'">`;

const RETRYABLE = ['failed', 'deferred', 'expired', 'cancelled', 'bounced'];
const CANCELLABLE = ['queued', 'deferred'];

export function MessageDetail({ id }: { id: string }) {
  const { can } = useSession();
  const msg = useResource(() => api.get<Message>(`/messages/${encodeURIComponent(id)}`), [id]);
  const accounts = useResource(() => api.get<Page<MailAccount>>('/accounts').catch(() => ({ items: [] as MailAccount[] })), []);
  const [tab, setTab] = useState<'html' | 'text' | 'headers'>('html');
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const m = msg.data;
  // While the message is still on its way, keep the page current.
  useInterval(msg.reload, 2000, !!m && !FINAL_STATUSES.includes(m.status));

  const act = async (what: 'retry' | 'cancel') => {
    setDone(null);
    const r = await action.run(async () => {
      await api.post(`/messages/${encodeURIComponent(id)}/${what}`, {});
      return true;
    });
    if (r) {
      setDone(what === 'retry' ? 'Queued for another attempt.' : 'Cancelled.');
      msg.reload();
    }
  };
  const accountLabel = (aid?: string | null) => (aid ? (accounts.data?.items.find((a) => a.id === aid)?.address ?? aid) : '—');

  if (msg.loading && !m) return <Spinner />;
  if (!m) return <ErrorBox error={msg.error ?? 'Message not found'} />;
  // The log keeps the caller's own headers; Message-ID and the envelope sender are stored beside them.
  const headers: [string, string][] = [
    ...(m.messageIdHeader ? [['Message-ID', m.messageIdHeader] as [string, string]] : []),
    ...(m.envelopeFrom ? [['Envelope-From (MAIL FROM)', m.envelopeFrom] as [string, string]] : []),
    ...headerPairs(m.headers),
  ];
  const html = m.html ?? null;
  const activeTab = tab === 'html' && !html ? 'text' : tab;

  return (
    <>
      <PageHeader
        title={m.subject || '(no subject)'}
        subtitle={<Link to="/messages">← Email log</Link>}
        actions={
          can('operate') ? (
            <>
              {RETRYABLE.includes(m.status) ? (
                <button type="button" className="btn" onClick={() => void act('retry')} disabled={action.busy}>
                  Retry
                </button>
              ) : null}
              {CANCELLABLE.includes(m.status) ? (
                <button type="button" className="btn btn-danger" onClick={() => void act('cancel')} disabled={action.busy}>
                  Cancel
                </button>
              ) : null}
            </>
          ) : null
        }
      />
      <ErrorBox error={action.error} />
      {done ? <Notice kind="success">{done}</Notice> : null}
      <ErrorBox error={msg.error} />
      <section className="card">
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="message-status">
            <StatusChip status={m.status} />
          </dd>
          <dt>From</dt>
          <dd>{m.from ?? '—'}</dd>
          <dt>To</dt>
          <dd>{(m.to ?? []).join(', ') || '—'}</dd>
          {m.cc?.length ? (
            <>
              <dt>Cc</dt>
              <dd>{m.cc.join(', ')}</dd>
            </>
          ) : null}
          {m.bcc?.length ? (
            <>
              <dt>Bcc</dt>
              <dd>{m.bcc.join(', ')}</dd>
            </>
          ) : null}
          <dt>Purpose</dt>
          <dd>{m.purpose ?? '—'}</dd>
          <dt>Account</dt>
          <dd>
            {accountLabel(m.routing?.accountId ?? m.accountId)}
            {m.routing?.reason ? <span className="muted small"> — {m.routing.reason}</span> : null}
          </dd>
          <dt>Created</dt>
          <dd>{formatDate(m.createdAt)}</dd>
          {m.sentAt ? (
            <>
              <dt>Sent</dt>
              <dd>{formatDate(m.sentAt)}</dd>
            </>
          ) : null}
          {m.nextAttemptAt && !FINAL_STATUSES.includes(m.status) ? (
            <>
              <dt>Next attempt</dt>
              <dd>{formatDate(m.nextAttemptAt)}</dd>
            </>
          ) : null}
          {m.expireAt ? (
            <>
              <dt>Expires</dt>
              <dd>{formatDate(m.expireAt)}</dd>
            </>
          ) : null}
          <dt>ID</dt>
          <dd>
            <code>{m.id}</code>
          </dd>
        </dl>
      </section>

      <section className="card" aria-labelledby="rcpt-h">
        <h2 id="rcpt-h">Recipients</h2>
        {m.recipients?.length ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Address</th>
                  <th scope="col">Status</th>
                  <th scope="col">Server reply</th>
                </tr>
              </thead>
              <tbody>
                {m.recipients.map((r, i) => (
                  <tr key={`${r.address}-${i}`}>
                    <td data-label="Address">
                      {r.address} {r.kind && r.kind !== 'to' ? <span className="muted small">({r.kind})</span> : null}
                    </td>
                    <td data-label="Status">
                      <StatusChip status={r.status} />
                    </td>
                    <td data-label="Reply">
                      <code className="small">{smtpReply(r.code, r.enhancedCode, r.response) || '—'}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p className="muted">No per-recipient outcome yet.</p>
        )}
      </section>

      <section className="card" aria-labelledby="att-h">
        <h2 id="att-h">Attempts</h2>
        {m.attempts?.length ? (
          <ol className="attempts">
            {m.attempts.map((a, i) => (
              <li key={i} className={`attempt attempt-${a.outcome}`}>
                <div className="attempt-head">
                  <StatusChip status={a.outcome} />
                  <span>{formatDate(a.at)}</span>
                  {typeof a.durationMs === 'number' ? <span className="muted small">{a.durationMs} ms</span> : null}
                  <span className="muted small">via {accountLabel(a.accountId)}</span>
                </div>
                {a.code || a.response ? <pre className="diag-reply">{smtpReply(a.code, a.enhancedCode, a.response)}</pre> : null}
              </li>
            ))}
          </ol>
        ) : (
          <Empty title="No attempt yet">{m.status === 'logged' ? <p>The log driver is active: this message was stored, not sent.</p> : null}</Empty>
        )}
      </section>

      <section className="card" aria-label="Content">
        <div className="tabs" role="tablist" aria-label="Message content">
          {(['html', 'text', 'headers'] as const).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={activeTab === t} className={activeTab === t ? 'tab active' : 'tab'} onClick={() => setTab(t)} disabled={t === 'html' && !html}>
              {t === 'html' ? 'HTML' : t === 'text' ? 'Text' : `Headers (${headers.length})`}
            </button>
          ))}
        </div>
        <div role="tabpanel">
          {activeTab === 'html' && html ? (
            // sandbox="" : no scripts, no forms, no same-origin access: untrusted HTML (replies, bounces) cannot act.
            <iframe title="HTML part" className="html-frame" sandbox="" srcDoc={CSP + html} referrerPolicy="no-referrer" />
          ) : null}
          {activeTab === 'text' ? <pre className="body-text">{m.text ?? '(no text part)'}</pre> : null}
          {activeTab === 'headers' ? (
            headers.length ? (
              <table className="headers-table">
                <tbody>
                  {headers.map(([k, v], i) => (
                    <tr key={`${k}-${i}`}>
                      <th scope="row">{k}</th>
                      <td>{v}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="muted">No headers stored.</p>
            )
          ) : null}
        </div>
      </section>
    </>
  );
}
