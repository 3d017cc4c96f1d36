import { createHash, randomBytes } from 'node:crypto';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';
import { authorizeUrlOf, scopeOf, tokenUrlOf, type OAuth2Settings } from '../../core/senders/account-auth.js';
import { CONNECT_FLOW_MINUTES, type ConnectFinish, type ConnectStarter, type FlowState } from '../../core/senders/oauth2-connect-flow.js';
import type { Store } from '../../core/ports.js';
import { OAUTH2_SUBJECT, unresolved } from '../../core/credentials/references.js';
import type { StoredAccount } from '../../core/senders/ports.js';
import { call, providerAgent } from '../providers/http.js';
import { formSecrets, tokenRefusal } from './token-endpoint.js';

const FLOW_TTL_MS = CONNECT_FLOW_MINUTES * 60_000;
/** Open sign-ins at once, across every process on the database. */
const MAX_OPEN = 100;
/**
 * A sign-in that expired or was used is remembered this long, so a late or second way back is
 * told which it was, on its account's page, rather than "unknown". Pruned when Connect is pressed.
 */
const REMEMBER_MS = 24 * 60 * 60_000;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** What the exchange needs of a sign-in it spent. */
interface Claimed {
  verifier: string;
  version: number;
  redirectUri: string;
}

/**
 * "Connect with Microsoft / Google": the authorization-code grant with PKCE (RFC 7636, S256).
 * start() makes the URL the admin's browser opens, and a key for that browser to keep; the way
 * back (lookup, then finish or spend) checks the state, and finish() exchanges code and verifier
 * for a refresh token. Sign-ins live in the store (OAuth2SignInRepository), so the browser may
 * come back to any process on the database, or to this one restarted: ten minutes to sign in,
 * remembered for a day after, to say why a late one failed. The store holds only hashes of the
 * state and of the browser's key; the verifier is a stored secret (encrypted), deleted once spent.
 */
export class OAuth2Connect {
  constructor(
    private readonly deps: { store: Store; revealClientSecret: (account: StoredAccount) => Promise<string | null>; now?: () => number },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  async start(account: StoredAccount, redirectUri: string, startedBy: ConnectStarter): Promise<{ authorizeUrl: string; state: string; expiresAt: number; browserKey: string }> {
    const auth = account.auth as OAuth2Settings;
    const now = this.now();
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(48).toString('base64url');
    const browserKey = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const expiresAt = now + FLOW_TTL_MS;
    const full = await this.deps.store.transaction(async (repos) => {
      // Counted and added under one lock: the limit holds however many processes start at once.
      await repos.oauth2SignIns.lockStarts();
      for (const id of await repos.oauth2SignIns.prune(now, now - REMEMBER_MS)) await repos.secrets.delete(id);
      if ((await repos.oauth2SignIns.countOpen(now)) >= MAX_OPEN) return true;
      const verifierSecretId = await repos.secrets.put(verifier);
      await repos.oauth2SignIns.insert({ stateHash: sha256(state), accountId: account.id, accountVersion: account.version, verifierSecretId, redirectUri, startedBy, browserKeyHash: sha256(browserKey), createdAt: now, expiresAt, spentAt: null });
      return false;
    });
    // Refused after the commit, so what the prune dropped stays dropped.
    if (full) throw new MailroomError(ErrorCodes.RATE_LIMITED, `too many sign-ins are in progress; finish or wait ${CONNECT_FLOW_MINUTES} minutes`);
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
  async lookup(state: string, browserKey: string | undefined): Promise<FlowState> {
    const f = await this.deps.store.repos.oauth2SignIns.get(sha256(state));
    if (!f) return { status: 'unknown' };
    const status = f.spentAt !== null ? 'spent' : f.expiresAt <= this.now() ? 'expired' : 'open';
    // Hashes are compared: how long a comparison takes tells nothing about the key itself.
    return { status, accountId: f.accountId, startedBy: f.startedBy, sameBrowser: browserKey !== undefined && sha256(browserKey) === f.browserKeyHash };
  }

  /**
   * Ends an open sign-in without a code (the provider refused, nothing usable came back, or
   * whoever pressed Connect may no longer): false when another way back spent it first.
   */
  async spend(state: string): Promise<boolean> {
    const stateHash = sha256(state);
    const now = this.now();
    return this.deps.store.transaction(async (repos) => {
      const f = await repos.oauth2SignIns.get(stateHash);
      if (!f || !(await repos.oauth2SignIns.spend(stateHash, now))) return false;
      if (f.verifierSecretId) await repos.secrets.delete(f.verifierSecretId);
      return true;
    });
  }

  /**
   * Spends the sign-in and takes its verifier, in one transaction whose conditional UPDATE only
   * one way back can win (the others: `spent`); the verifier's secret goes with it.
   */
  private async claim(account: StoredAccount, state: string): Promise<Claimed | 'spent' | 'expired'> {
    const stateHash = sha256(state);
    const now = this.now();
    return this.deps.store.transaction(async (repos) => {
      const f = await repos.oauth2SignIns.get(stateHash);
      if (!f || f.accountId !== account.id) {
        throw new MailroomError(ErrorCodes.INVALID_STATE, 'this sign-in is unknown or for another account: start Connect again', { field: 'state' });
      }
      if (f.spentAt !== null) return 'spent';
      if (f.expiresAt <= now || f.verifierSecretId === null) return 'expired';
      if (!(await repos.oauth2SignIns.spend(stateHash, now, f.verifierSecretId))) return 'spent';
      const verifier = await repos.secrets.reveal(f.verifierSecretId);
      await repos.secrets.delete(f.verifierSecretId);
      return { verifier, version: f.accountVersion, redirectUri: f.redirectUri };
    });
  }

  async finish(account: StoredAccount, state: string, code: string): Promise<ConnectFinish> {
    const subject = `${OAUTH2_SUBJECT}${account.login ?? account.address}`;
    // Spent before the exchange is awaited: a second way back at the same moment finds it used.
    const flow = await this.claim(account, state);
    if (typeof flow === 'string') return { status: flow };
    const auth = account.auth as OAuth2Settings;
    const agent = providerAgent({ caCertificate: auth.caCertificate, timeoutSec: 15 });
    try {
      const secret = await this.deps.revealClientSecret(account);
      const form: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: flow.redirectUri, client_id: auth.clientId, code_verifier: flow.verifier, ...(secret ? { client_secret: secret } : {}) };
      const res = await call(agent, subject, {
        method: 'POST',
        url: tokenUrlOf(auth),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        timeoutSec: 15,
        // Fixed: a sign-in's exchange has no setting to raise.
        timeoutSetting: null,
      });
      const body = res.json as { refresh_token?: unknown; access_token?: unknown; error?: unknown } | undefined;
      if (res.status !== 200 || typeof body?.refresh_token !== 'string') {
        // The endpoint may quote the request it refuses: the client secret, code and verifier stay out.
        const secrets = formSecrets(form);
        if (res.status === 200 && typeof body?.access_token === 'string' && body.error === undefined) {
          // A token, but none to keep: the provider was not asked for (or would not give) offline access.
          throw unresolved(subject, 'the token endpoint answered 200: no refresh_token in the answer', {
            status: res.status,
            hint: 'The provider gave no refresh token: Microsoft needs the offline_access scope; Google needs access_type=offline and consent (Mailroom asks for both).',
          });
        }
        const { message, hint } = tokenRefusal(res, { what: 'the token endpoint', grant: 'authorization_code', secrets, wanted: 'refresh_token' });
        throw unresolved(subject, message, { status: res.status, hint });
      }
      return { status: 'exchanged', accountId: account.id, version: flow.version, refreshToken: body.refresh_token };
    } finally {
      void agent.close().catch(() => undefined);
    }
  }
}
