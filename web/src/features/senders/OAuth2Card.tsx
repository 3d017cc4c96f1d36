import { api, type MailAccount } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction, useResource } from '../../hooks.js';
import { Badge, CopyButton, ErrorBox } from '../../ui/index.js';
import { PROVIDER_LABEL, type OAuth2Status } from './oauth2-status.js';

type Check = { ok: true; expiresAt: string } | { ok: false; error: { code: string; message: string; hint?: string } };

/**
 * An OAuth2 account's token: its health, a check now, and "Connect with Microsoft / Google"
 * (the browser signs in at the provider and comes back to this page, whose top says the
 * outcome: ConnectOutcome).
 */
export function OAuth2Card({ account }: { account: MailAccount }) {
  const auth = account.auth;
  const health = useResource(() => api.get<OAuth2Status>(`/accounts/${account.id}/oauth2`), [account.id, account.version]);
  const check = useAction();
  const connect = useAction();
  if (auth.type !== 'oauth2') return null;
  const runCheck = async () => {
    await check.run(() => api.post<Check>(`/accounts/${account.id}/oauth2/check`));
    health.reload();
  };
  const startConnect = async () => {
    const r = await connect.run(() => api.post<{ authorizeUrl: string }>(`/accounts/${account.id}/oauth2/connect`));
    if (r) window.location.assign(r.authorizeUrl);
  };
  const h = health.data?.health;
  return (
    <section className="card" aria-labelledby="oauth2-h">
      <h2 id="oauth2-h">OAuth2 ({PROVIDER_LABEL[auth.provider]})</h2>
      <p className="small">
        {h?.grant === 'client_credentials' ? 'App access (client credentials): Mailroom fetches the token itself.' : 'A signed-in mailbox (refresh token): Mailroom renews the token itself.'}{' '}
        Client secret {auth.clientSecretSet ? 'set' : auth.clientSecretRef ? `from ${auth.clientSecretRef}` : 'not set'}; refresh token {auth.refreshTokenSet ? 'set' : 'not set'}.
      </p>
      <div className="inline" data-testid="oauth2-health">
        Token:{' '}
        {h?.status === 'ok' ? <Badge kind="ok">valid until {formatDate(h.expiresAt)}</Badge> : h?.status === 'error' ? <Badge kind="bad">failing</Badge> : <Badge>not fetched yet</Badge>}
        {h?.checkedAt ? <span className="muted small">checked {formatDate(h.checkedAt)}</span> : null}
      </div>
      {h?.error ? (
        <div className="alert alert-error test-outcome" role="alert">
          {h.error.message}
          {h.error.hint ? <div className="small">{h.error.hint}</div> : null}
        </div>
      ) : null}
      <div className="inline">
        <button type="button" className="btn" onClick={() => void runCheck()} disabled={check.busy}>
          {check.busy ? 'Checking…' : 'Check token'}
        </button>
        {auth.provider !== 'generic' || auth.authorizeUrl ? (
          <button type="button" className="btn" onClick={() => void startConnect()} disabled={connect.busy}>
            Connect with {PROVIDER_LABEL[auth.provider]}
          </button>
        ) : null}
      </div>
      {health.data ? (
        <p className="small">
          Redirect URI to register at the provider: <code>{health.data.redirectUri}</code> <CopyButton text={health.data.redirectUri} label="Copy" />
        </p>
      ) : null}
      <ErrorBox error={check.error ?? connect.error ?? health.error} />
    </section>
  );
}
