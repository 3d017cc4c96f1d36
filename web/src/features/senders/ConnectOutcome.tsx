import { api } from '../../api.js';
import { useResource } from '../../hooks.js';
import { useLocation } from '../../router.js';
import { connectWords } from './connect-words.js';
import { PROVIDER_LABEL, type OAuth2Status } from './oauth2-status.js';

/**
 * Where "Connect" brought the browser back (`?oauth2=connected|failed&reason=…`): said at the
 * top of the page, in view. The whole message, with the provider's words, comes from the
 * account's lastConnect (the address carries only the reason) and is shown as text.
 */
export function ConnectOutcome({ accountId, provider }: { accountId?: string; provider?: string }) {
  const { query } = useLocation();
  const outcome = query.get('oauth2');
  const reason = query.get('reason');
  const shown = outcome === 'connected' || outcome === 'failed';
  const status = useResource(() => (shown && accountId ? api.get<OAuth2Status>(`/accounts/${accountId}/oauth2`) : Promise.resolve(undefined)), [shown, accountId]);
  if (!shown) return null;
  // Until the account's word arrives: no fallback flashing before it.
  if (accountId && status.loading && !status.data) return null;
  const label = PROVIDER_LABEL[provider ?? 'generic'] ?? PROVIDER_LABEL.generic;
  const last = status.data?.lastConnect;
  if (outcome === 'connected') {
    return (
      <div className="alert alert-success" role="status" data-testid="oauth2-connect-outcome">
        Connected: the refresh token is stored (never shown).
      </div>
    );
  }
  const said = last && last.outcome === 'failed' && last.reason === reason ? { message: last.message, hint: last.hint } : connectWords(reason, label);
  return (
    <div className="alert alert-warning" role="alert" data-testid="oauth2-connect-outcome">
      <strong>{provider ? `Connect with ${label} did not complete.` : 'Connect did not complete.'}</strong> <span className="wrap" data-testid="oauth2-connect-message">
        {said.message}
      </span>
      {said.hint ? <div className="small">{said.hint}</div> : null}
    </div>
  );
}
