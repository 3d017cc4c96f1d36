import { createHash, randomBytes } from 'node:crypto';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';
import { authorizeUrlOf, scopeOf, tokenUrlOf, type OAuth2Settings } from '../../core/senders/account-auth.js';
import { CONNECT_FLOW_MINUTES, type ConnectStarter, type FlowState } from '../../core/senders/oauth2-connect-flow.js';
import { OAUTH2_SUBJECT, unresolved } from '../../core/credentials/references.js';
import type { StoredAccount } from '../../core/senders/ports.js';
import { call, excerpt, providerAgent } from '../providers/http.js';
import { tokenHint } from './token-endpoint.js';

const FLOW_TTL_MS = CONNECT_FLOW_MINUTES * 60_000;
const MAX_OPEN = 100;
/**
 * A sign-in that expired or was used is remembered this long (at most MAX_REMEMBERED of them),
 * so a late or second way back is told which it was, on its account's page, rather than "unknown".
 */
const REMEMBER_MS = 24 * 60 * 60_000;
const MAX_REMEMBERED = 1000;

interface Flow {
  accountId: string;
  version: number;
  verifier: string;
  redirectUri: string;
  expiresAt: number;
  /** Who pressed Connect: the audit names them, since the way back may come without their session. */
  startedBy: ConnectStarter;
  /** SHA-256 of the key the browser that pressed Connect holds (a cookie): the way back is its own. */
  browserKeyHash: string;
  /** When the way back spent it (a code exchanged, a refusal); null while it is open. */
  spentAt: number | null;
}

/** What the provider's token endpoint gave for a code: the refresh token to store and who signed in, never shown. */
export interface ConnectResult {
  accountId: string;
  version: number;
  refreshToken: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * "Connect with Microsoft / Google": the authorization-code grant with PKCE (RFC 7636, S256).
 * start() makes the URL the admin's browser opens, and a key for that browser to keep; the way
 * back (lookup, then finish or spend) checks the state, and finish() exchanges code and verifier
 * for a refresh token. Sign-ins live in this process for ten minutes (the callback comes back
 * within one sign-in), and are remembered for a day after, to say why a late one failed.
 */
export class OAuth2Connect {
  private flows = new Map<string, Flow>();

  constructor(
    private readonly deps: { revealClientSecret: (account: StoredAccount) => Promise<string | null>; now?: () => number },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Forgets sign-ins ended more than REMEMBER_MS ago, and the oldest beyond MAX_REMEMBERED. */
  private prune(now: number): void {
    for (const [k, f] of this.flows) if ((f.spentAt ?? f.expiresAt) + REMEMBER_MS <= now) this.flows.delete(k);
    for (const [k, f] of this.flows) {
      if (this.flows.size <= MAX_REMEMBERED) break;
      if (f.spentAt !== null || f.expiresAt <= now) this.flows.delete(k);
    }
  }

  start(account: StoredAccount, redirectUri: string, startedBy: ConnectStarter): { authorizeUrl: string; state: string; expiresAt: number; browserKey: string } {
    const auth = account.auth as OAuth2Settings;
    const now = this.now();
    this.prune(now);
    const open = [...this.flows.values()].filter((f) => f.spentAt === null && f.expiresAt > now).length;
    if (open >= MAX_OPEN) throw new MailroomError(ErrorCodes.RATE_LIMITED, `too many sign-ins are in progress; finish or wait ${CONNECT_FLOW_MINUTES} minutes`);
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(48).toString('base64url');
    const browserKey = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const expiresAt = now + FLOW_TTL_MS;
    this.flows.set(state, { accountId: account.id, version: account.version, verifier, redirectUri, expiresAt, startedBy, browserKeyHash: sha256(browserKey), spentAt: null });
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
    return { authorizeUrl: url.toString(), state, expiresAt, browserKey };
  }

  /** The sign-in a state names, as the way back finds it; `browserKey` is what the returning browser's cookie holds. */
  lookup(state: string, browserKey: string | undefined): FlowState {
    const f = this.flows.get(state);
    if (!f) return { status: 'unknown' };
    const status = f.spentAt !== null ? 'spent' : f.expiresAt <= this.now() ? 'expired' : 'open';
    // Hashes are compared: how long a comparison takes tells nothing about the key itself.
    return { status, accountId: f.accountId, startedBy: f.startedBy, sameBrowser: browserKey !== undefined && sha256(browserKey) === f.browserKeyHash };
  }

  /** Ends an open sign-in without a code (the provider refused): a second way back finds it used. */
  spend(state: string): void {
    const f = this.flows.get(state);
    if (f && f.spentAt === null) Object.assign(f, { spentAt: this.now(), verifier: '' });
  }

  async finish(account: StoredAccount, state: string, code: string): Promise<ConnectResult> {
    const found = this.flows.get(state);
    const subject = `${OAUTH2_SUBJECT}${account.login ?? account.address}`;
    if (!found || found.spentAt !== null || found.expiresAt <= this.now() || found.accountId !== account.id) {
      throw new MailroomError(ErrorCodes.INVALID_STATE, `this sign-in is unknown, used or expired (${CONNECT_FLOW_MINUTES} minutes): start Connect again`, { field: 'state' });
    }
    // Spent before the exchange is awaited: a second way back at the same moment finds it used.
    const flow = { ...found };
    this.spend(state);
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
