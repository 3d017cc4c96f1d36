import { createHash, randomBytes } from 'node:crypto';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';
import { authorizeUrlOf, scopeOf, tokenUrlOf, type OAuth2Settings } from '../../core/senders/account-auth.js';
import { OAUTH2_SUBJECT, unresolved } from '../../core/credentials/references.js';
import type { StoredAccount } from '../../core/senders/ports.js';
import { call, excerpt, providerAgent } from '../providers/http.js';
import { tokenHint } from './token-endpoint.js';

/** How long the admin has to sign in at the provider. */
const FLOW_TTL_MS = 10 * 60_000;
const MAX_PENDING = 100;

interface Flow {
  accountId: string;
  version: number;
  verifier: string;
  redirectUri: string;
  expiresAt: number;
}

/** What the provider's token endpoint gave for a code: the refresh token to store and who signed in, never shown. */
export interface ConnectResult {
  accountId: string;
  version: number;
  refreshToken: string;
}

/**
 * "Connect with Microsoft / Google": the authorization-code grant with PKCE (RFC 7636, S256).
 * start() makes the URL the admin's browser opens; finish() takes the code the provider sends
 * back to the callback, checks the state, and exchanges code and verifier for a refresh token.
 * Flows live in this process for ten minutes (the callback comes back within one sign-in).
 */
export class OAuth2Connect {
  private flows = new Map<string, Flow>();

  constructor(
    private readonly deps: { revealClientSecret: (account: StoredAccount) => Promise<string | null>; now?: () => number },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  start(account: StoredAccount, redirectUri: string): { authorizeUrl: string; state: string; expiresAt: number } {
    const auth = account.auth as OAuth2Settings;
    const now = this.now();
    for (const [k, f] of this.flows) if (f.expiresAt <= now) this.flows.delete(k);
    if (this.flows.size >= MAX_PENDING) throw new MailroomError(ErrorCodes.RATE_LIMITED, 'too many sign-ins are in progress; finish or wait ten minutes');
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(48).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const expiresAt = now + FLOW_TTL_MS;
    this.flows.set(state, { accountId: account.id, version: account.version, verifier, redirectUri, expiresAt });
    const url = new URL(authorizeUrlOf(auth));
    const q = url.searchParams;
    q.set('client_id', auth.clientId);
    q.set('response_type', 'code');
    q.set('redirect_uri', redirectUri);
    q.set('scope', scopeOf(auth, 'refresh_token'));
    q.set('state', state);
    q.set('code_challenge', challenge);
    q.set('code_challenge_method', 'S256');
    q.set('login_hint', account.login ?? account.address);
    // Google returns a refresh token only for offline access, and again only with consent.
    if (auth.provider === 'google') {
      q.set('access_type', 'offline');
      q.set('prompt', 'consent');
    }
    return { authorizeUrl: url.toString(), state, expiresAt };
  }

  /** The account a pending state belongs to (the callback checks the account before exchanging). */
  pending(state: string): { accountId: string } | undefined {
    const f = this.flows.get(state);
    return f && f.expiresAt > this.now() ? { accountId: f.accountId } : undefined;
  }

  async finish(account: StoredAccount, state: string, code: string): Promise<ConnectResult> {
    const flow = this.flows.get(state);
    this.flows.delete(state);
    const subject = `${OAUTH2_SUBJECT}${account.login ?? account.address}`;
    if (!flow || flow.expiresAt <= this.now() || flow.accountId !== account.id) {
      throw new MailroomError(ErrorCodes.INVALID_STATE, 'this sign-in is unknown or expired (ten minutes): start Connect again', { field: 'state' });
    }
    const auth = account.auth as OAuth2Settings;
    const agent = providerAgent({ caCertificate: auth.caCertificate, timeoutSec: 15 });
    try {
      const secret = await this.deps.revealClientSecret(account);
      const res = await call(agent, subject, {
        method: 'POST',
        url: tokenUrlOf(auth),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: flow.redirectUri, client_id: auth.clientId, code_verifier: flow.verifier, ...(secret ? { client_secret: secret } : {}) }).toString(),
        timeoutSec: 15,
      });
      const body = res.json as { refresh_token?: unknown; error?: unknown; error_description?: unknown } | undefined;
      if (res.status !== 200 || typeof body?.refresh_token !== 'string') {
        const error = typeof body?.error === 'string' ? body.error : res.status === 200 ? 'no refresh_token in the answer' : '';
        const description = excerpt(body?.error_description);
        throw unresolved(subject, `the token endpoint answered ${res.status}${error ? `: ${error}` : ''}${description ? ` ${description}` : ''}`, {
          status: res.status,
          hint: res.status === 200 ? 'The provider gave no refresh token: Microsoft needs the offline_access scope; Google needs access_type=offline and consent (Mailroom asks for both).' : tokenHint(error, description),
        });
      }
      return { accountId: account.id, version: flow.version, refreshToken: body.refresh_token };
    } finally {
      void agent.close().catch(() => undefined);
    }
  }
}
