import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { api, notifyChanged, type DiagnosticResult, type List, type MailAccount, type MailServer, type SmtpSettings } from '../../api.js';
import { useAction, useResource, type Resource } from '../../hooks.js';
import { Link } from '../../router.js';
import { errorFor, ErrorBox, Field, FieldError, fieldIsAt, FormActions, Notice, refusalInWords, UnsavedChangesGuard, unfoldInvalid, useUnsavedChanges } from '../../ui/index.js';
import { DiagnosticRun } from '../probes/DiagnosticRun.js';
import { imapRetryBody, imapRetryDraft, ImapRetryFields, refusedInImapRetry } from './ImapRetryFields.js';
import { rateBody, rateChanged, rateDraft, refusedAtRateLimits } from './RateLimitFields.js';
import { DIRECT_DEFAULTS, DirectFields, domainLines, refusedInDirect, type DirectValue } from './DirectFields.js';
import { refusedInSecurity, SecurityFields, type ErrorAt, type SecurityValue } from './SecurityFields.js';
import { ServerRateLimits } from './ServerRateLimits.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';
import { holdsCredentials, listInWords, passwordClearingChanges } from './password-clearing.js';

export interface ServerDraft {
  name: string;
  /** relay: through one SMTP server; direct: to each recipient domain's exchanger. */
  mode: 'relay' | 'direct';
  direct: DirectValue;
  host: string;
  sec: SecurityValue;
  connectTimeoutSec: string;
  sendTimeoutSec: string;
  maxConnections: string;
}

export function draftFrom(s?: { name?: string; smtp?: Partial<SmtpSettings> }): ServerDraft {
  const smtp: Partial<SmtpSettings> = s?.smtp ?? {};
  const direct = smtp.mode === 'direct';
  return {
    name: s?.name ?? '',
    mode: direct ? 'direct' : 'relay',
    direct: direct
      ? {
          port: String(smtp.port ?? 25),
          requireTls: smtp.requireTls ?? false,
          requireTlsDomains: (smtp.direct?.requireTlsDomains ?? []).join('\n'),
          maxConnectionsPerDomain: String(smtp.direct?.maxConnectionsPerDomain ?? 2),
          perDomainPerMinute: smtp.direct?.perDomainPerMinute ? String(smtp.direct.perDomainPerMinute) : '',
          ehloName: smtp.direct?.ehloName ?? '',
          publicAddresses: (smtp.direct?.publicAddresses ?? []).join('\n'),
        }
      : DIRECT_DEFAULTS,
    host: direct ? '' : (smtp.host ?? ''),
    sec: {
      port: String(smtp.port ?? 587),
      security: smtp.security ?? 'starttls',
      requireTls: smtp.requireTls ?? smtp.security !== 'none',
      trustMode: smtp.tlsTrust?.mode ?? 'system',
      fingerprint: smtp.tlsTrust?.fingerprint ?? '',
      certificate: smtp.tlsTrust?.certificate ?? '',
    },
    connectTimeoutSec: String(smtp.connectTimeoutSec ?? 30),
    sendTimeoutSec: String(smtp.sendTimeoutSec ?? 30),
    maxConnections: String(smtp.maxConnections ?? 5),
  };
}

/** The smtp section exactly as the API takes it; fields that do not apply are left out. */
/**
 * `imapEncrypted`: the server's IMAP section uses TLS. IMAP checks certificates with the same
 * trust as SMTP, so a plain SMTP relay keeps its trust choice for IMAP's sake.
 */
export function smtpBody(d: ServerDraft, imapEncrypted = false): Partial<SmtpSettings> {
  if (d.mode === 'direct') {
    const x = d.direct;
    return {
      mode: 'direct',
      port: Number(x.port),
      requireTls: x.requireTls,
      connectTimeoutSec: Number(d.connectTimeoutSec),
      sendTimeoutSec: Number(d.sendTimeoutSec),
      maxConnections: Number(d.maxConnections),
      direct: {
        requireTlsDomains: x.requireTls ? [] : domainLines(x.requireTlsDomains),
        maxConnectionsPerDomain: Number(x.maxConnectionsPerDomain),
        perDomainPerMinute: x.perDomainPerMinute.trim() ? Number(x.perDomainPerMinute) : null,
        ehloName: x.ehloName.trim() || null,
        publicAddresses: domainLines(x.publicAddresses),
      },
    };
  }
  const { sec } = d;
  const trustUsed = sec.security !== 'none' || imapEncrypted;
  const tlsTrust: SmtpSettings['tlsTrust'] =
    !trustUsed || sec.trustMode !== 'pinned'
      ? { mode: trustUsed ? sec.trustMode : 'system' }
      : { mode: 'pinned', ...(sec.fingerprint.trim() ? { fingerprint: sec.fingerprint.trim() } : {}), ...(sec.certificate.trim() ? { certificate: sec.certificate.trim() } : {}) };
  return {
    mode: 'relay',
    host: d.host.trim(),
    port: Number(sec.port),
    security: sec.security,
    requireTls: sec.security === 'tls' ? true : sec.security === 'none' ? false : sec.requireTls,
    tlsTrust,
    connectTimeoutSec: Number(d.connectTimeoutSec),
    sendTimeoutSec: Number(d.sendTimeoutSec),
    maxConnections: Number(d.maxConnections),
  };
}

/** What the form calls the settings a refusal under it may name (the API says `smtp.host: …`). */
const LABELS: Record<string, string> = {
  name: 'Name',
  'smtp.host': 'SMTP host',
  'smtp.port': 'Port',
  'smtp.security': 'Encryption',
  'smtp.tlsTrust': 'Certificate check',
  'smtp.connectTimeoutSec': 'Connect timeout',
  'smtp.sendTimeoutSec': 'Send timeout',
  'smtp.maxConnections': 'Connections',
};

interface Props {
  server?: MailServer;
  initial?: ServerDraft;
  submitLabel?: string;
  readOnly?: boolean;
  onSaved(server: MailServer): void;
  onCancel?: () => void;
  /** The saved version, loaded after a conflict: for what the page shows around the form (its header, the IMAP test). */
  onLoaded?(server: MailServer): void;
  /** Whether the form holds unsaved changes, each time that changes: for cards beside it that use the saved server. */
  onDirtyChange?(dirty: boolean): void;
  /** The page's item (useItem): a save answered 404 (deleted elsewhere) turns the page into its Gone page. */
  watch?<R>(request: Promise<R>): Promise<R>;
  /**
   * The server's accounts, when the page loads them itself (for its tests), again after each
   * save: the form counts the passwords a save would clear from them instead of asking twice.
   */
  accounts?: Resource<{ items: MailAccount[] } | undefined>;
}

const asIs = <R,>(request: Promise<R>) => request;

/**
 * Create or edit a mail server, and test the values before (or after) saving them.
 *
 * A save does not remount the form: it takes the saved server as its new starting point (the
 * version the next save sends, what "changed" is measured against) and shows its values as the
 * API stored them, so the focus, the folded sections the user opened and a test's result stay.
 */
export function ServerForm(props: Props) {
  const fresh = useFreshStart(props.server, props.onLoaded);
  return <ServerFormOf key={fresh.key} {...props} server={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function ServerFormOf({ server: loaded, initial, submitLabel, readOnly, onSaved, onCancel, onDirtyChange, watch = asIs, accounts: pageAccounts, conflict, onFresh }: Props & { conflict: VersionConflictState; onFresh(server: MailServer): void }) {
  // The server as last loaded or saved here: the page's reload after a save would come later.
  const [server, setServer] = useState(loaded);
  const [d, setD] = useState<ServerDraft>(() => initial ?? draftFrom(server));
  const [imapRetry, setImapRetry] = useState(() => imapRetryDraft(server));
  const [rate, setRate] = useState(() => rateDraft(server?.rateLimit));
  const [testUser, setTestUser] = useState('');
  const [testPassword, setTestPassword] = useState('');
  const [result, setResult] = useState<DiagnosticResult | null>(null);
  // The accounts whose stored passwords the last save cleared (said beside its "Saved.").
  const [cleared, setCleared] = useState<{ accounts: MailAccount[]; why: string[] } | null>(null);
  // A refusal speaks of the values sent: it goes once the form is edited (and comes back if edited back).
  const save = useAction({ d, imapRetry, rate });
  const test = useAction();
  const set = (patch: Partial<ServerDraft>) => {
    setD((x) => ({ ...x, ...patch }));
    // A result is about the values it tested: once the host, port, encryption or trust change it would mislead.
    if (Object.keys(patch).some((k) => k !== 'name')) setResult(null);
  };
  const id = server ? `srv-${server.id}` : 'srv-new';
  // What a save would store, as the form shows it: against it the form is dirty (asked about
  // before leaving) and "Saved." holds while the form shows what was saved (it goes with the next edit).
  const snapshot = (x: { d: ServerDraft; imapRetry: typeof imapRetry; rate: typeof rate }) => JSON.stringify([x.d, x.imapRetry, x.rate]);
  const changes = useUnsavedChanges(snapshot({ d, imapRetry, rate }));
  useEffect(() => onDirtyChange?.(changes.dirty), [changes.dirty, onDirtyChange]);
  const imapEncrypted = imapRetry.imapOn && imapRetry.imapSecurity !== 'none';
  // Untouched IMAP/retry and limits sections are not sent, so an env-sourced server does not look overridden.
  const imapRetryChanged = !server || JSON.stringify(imapRetry) !== JSON.stringify(imapRetryDraft(server));
  // A change of where the server is (its host, port, encryption; IMAP's too) clears the stored
  // passwords of its accounts (PATCH /servers/:id): said before saving, with how many it clears.
  const serverId = !readOnly && !pageAccounts ? server?.id : undefined;
  const ownAccounts = useResource(
    () => (serverId ? api.get<List<MailAccount>>('/accounts', { serverId }) : Promise.resolve(undefined)),
    // Again after each save: the passwords it cleared are no longer set.
    [serverId, server?.version],
  );
  const accounts = pageAccounts ?? ownAccounts;
  const withPassword = (readOnly ? [] : (accounts.data?.items ?? [])).filter(holdsCredentials);
  const clearing = server ? passwordClearingChanges(server, smtpBody(d, imapEncrypted), imapRetryChanged ? imapRetryBody(imapRetry).imap : undefined) : [];
  // A refusal is said once: at the field the API names (`details.field`: "name", "smtp.host",
  // "imap.port", …), marked invalid and focused; only one the form has no field for goes in the banner.
  const errorAt: ErrorAt = (path) => errorFor(save.field, save.error, path);
  const own = (p: string) => fieldIsAt(save.field, p);
  const atField =
    own('name') ||
    own('smtp.mode') ||
    own('smtp.connectTimeoutSec') ||
    own('smtp.sendTimeoutSec') ||
    own('smtp.maxConnections') ||
    (d.mode === 'direct' ? refusedInDirect(save.field, d.direct) : own('smtp.host') || refusedInSecurity(save.field, d.sec, imapEncrypted)) ||
    refusedInImapRetry(save.field, imapRetry) ||
    refusedAtRateLimits(save.field);
  const invalid = (p: string) => (errorAt(p) ? true : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setCleared(null);
    const body = {
      name: d.name.trim(),
      smtp: smtpBody(d, imapEncrypted),
      ...(imapRetryChanged ? imapRetryBody(imapRetry) : {}),
      ...(rateChanged(rate, server?.rateLimit) ? { rateLimit: rateBody(rate) } : {}),
    };
    // The accounts a clearing save takes the passwords of, as they are just before it.
    let losing: MailAccount[] = [];
    const saved = await save.run(async () => {
      if (server && clearing.length) losing = (await api.get<List<MailAccount>>('/accounts', { serverId: server.id })).items.filter(holdsCredentials);
      return conflict.watch(server ? watch(api.patch<MailServer>(`/servers/${server.id}`, { ...body, version: server.version })) : api.post<MailServer>('/servers', body));
    });
    if (saved) {
      if (losing.length) setCleared({ accounts: losing, why: clearing });
      notifyChanged();
      if (server) {
        const next = { d: draftFrom(saved), imapRetry: imapRetryDraft(saved), rate: rateDraft(saved.rateLimit) };
        setServer(saved);
        setD(next.d);
        setImapRetry(next.imapRetry);
        setRate(next.rate);
        changes.markSaved(snapshot(next));
      }
      onSaved(saved);
    }
  };

  /**
   * Enter in the test's Login or Password does what the button beside them says: it tests. Left
   * alone, the browser would submit the server's form around them and save edits the admin only
   * meant to try.
   */
  const testOnEnter = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    if (d.host && !test.busy) void runTest();
  };

  const runTest = async () => {
    setResult(null);
    const auth = testUser ? { auth: { user: testUser, password: testPassword } } : {};
    // A saved server's page names it: the network policy lets a test reach the saved server's own
    // host and port (a relay on a port that is not a mail port), and the audit names the server.
    const saved = server ? { serverId: server.id } : {};
    const r = await test.run(() => api.post<DiagnosticResult>('/diagnostics/smtp', { ...saved, smtp: smtpBody(d), ...auth }));
    if (r) setResult(r);
  };

  return (
    <form onSubmit={submit} onInvalidCapture={unfoldInvalid} className="card form" aria-label={server ? `Edit server ${server.name}` : 'New mail server'}>
      <fieldset disabled={readOnly} className="plain">
        <div className="form-grid">
          <Field label="Name" id={`${id}-name`} hint="For you: e.g. “Company Microsoft 365”.">
            <input id={`${id}-name`} required maxLength={200} value={d.name} onChange={(e) => set({ name: e.target.value })} aria-invalid={invalid('name')} />
            <FieldError id={`${id}-name-error`} message={errorAt('name')} />
          </Field>
          <Field label="Delivery" id={`${id}-mode`} hint={d.mode === 'direct' ? 'No relay: Mailroom looks up each recipient domain\'s mail exchanger (MX) and delivers to it.' : 'Every message goes to one SMTP server (your provider or your own relay).'}>
            <select
              id={`${id}-mode`}
              value={d.mode}
              aria-invalid={invalid('smtp.mode')}
              onChange={(e) => set({ mode: e.target.value as ServerDraft['mode'], ...(e.target.value === 'direct' && d.maxConnections === '5' ? { maxConnections: '20' } : {}) })}
            >
              <option value="relay">Through an SMTP relay</option>
              <option value="direct">Direct to each domain's MX</option>
            </select>
            <FieldError id={`${id}-mode-error`} message={errorAt('smtp.mode')} />
          </Field>
          {d.mode === 'direct' ? (
            <DirectFields idPrefix={id} value={d.direct} onChange={(direct) => set({ direct })} errorAt={errorAt} />
          ) : (
            <>
              <Field label="SMTP host" id={`${id}-host`}>
                <input id={`${id}-host`} required maxLength={253} value={d.host} onChange={(e) => set({ host: e.target.value })} placeholder="smtp.example.com" spellCheck={false} autoCapitalize="off" aria-invalid={invalid('smtp.host')} />
                <FieldError id={`${id}-host-error`} message={errorAt('smtp.host')} />
              </Field>
              <SecurityFields idPrefix={id} value={d.sec} onChange={(sec) => set({ sec })} imapEncrypted={imapEncrypted} errorAt={errorAt} />
            </>
          )}
          <details className="field-wide">
            <summary>Timeouts and connections</summary>
            <div className="form-grid">
              <Field label="Connect timeout (s)" id={`${id}-ct`} hint="1–300 seconds">
                <input id={`${id}-ct`} type="number" min={1} max={300} value={d.connectTimeoutSec} onChange={(e) => set({ connectTimeoutSec: e.target.value })} aria-invalid={invalid('smtp.connectTimeoutSec')} />
                <FieldError id={`${id}-ct-error`} message={errorAt('smtp.connectTimeoutSec')} />
              </Field>
              <Field label="Send timeout (s)" id={`${id}-st`} hint="1–300 seconds">
                <input id={`${id}-st`} type="number" min={1} max={300} value={d.sendTimeoutSec} onChange={(e) => set({ sendTimeoutSec: e.target.value })} aria-invalid={invalid('smtp.sendTimeoutSec')} />
                <FieldError id={`${id}-st-error`} message={errorAt('smtp.sendTimeoutSec')} />
              </Field>
              <Field label={d.mode === 'direct' ? 'Connections in all' : 'Pooled connections'} id={`${id}-mc`}>
                <input id={`${id}-mc`} type="number" min={1} max={100} value={d.maxConnections} onChange={(e) => set({ maxConnections: e.target.value })} aria-invalid={invalid('smtp.maxConnections')} />
                <FieldError id={`${id}-mc-error`} message={errorAt('smtp.maxConnections')} />
              </Field>
            </div>
          </details>
          <ServerRateLimits idPrefix={id} value={rate} onChange={setRate} field={save.field} error={save.error} />
          <ImapRetryFields idPrefix={id} value={imapRetry} onChange={setImapRetry} errorAt={errorAt} />
        </div>
      </fieldset>
      {/* Said once: a refusal is said at its field (its section unfolds), one the form has no field for here, in the form's words. */}
      <ErrorBox error={atField || conflict.conflict ? null : refusalInWords(save.field, save.error, LABELS)} title="Not saved" />
      {server ? (
        <VersionConflict
          state={conflict}
          what={`the server “${server.name}”`}
          dirty={changes.dirty}
          load={async () => onFresh(await watch(api.get<MailServer>(`/servers/${server.id}`)))}
        />
      ) : null}
      {clearing.length && withPassword.length ? (
        <Notice kind="warning">
          <span data-testid="server-clears-passwords">
            Saving changes {listInWords(clearing)}: that clears {passwordsOf(withPassword)} on this server ({listInWords(withPassword.map((a) => a.address))}), so no
            password is sent to a server it was not saved for. {withPassword.length === 1 ? 'It' : 'Each one'} must then be entered again on the account’s page{connectAgain(withPassword)}.
          </span>
        </Notice>
      ) : null}
      {changes.justSaved && !save.error ? <Notice kind="success">Saved.</Notice> : null}
      {changes.justSaved && !save.error && cleared ? (
        <Notice kind="warning">
          <span data-testid="server-cleared-passwords">
            {upperFirst(listInWords(cleared.why))} changed, so {passwordsOf(cleared.accounts)} {cleared.accounts.length === 1 ? 'was' : 'were'} cleared. Enter{' '}
            {cleared.accounts.length === 1 ? 'it' : 'each one'} again on the account’s page{connectAgain(cleared.accounts)}:{' '}
            {cleared.accounts.map((a, i) => (
              <span key={a.id}>
                {i ? ', ' : ''}
                <Link to={`/accounts/${a.id}`}>{a.address}</Link>
              </span>
            ))}
            .
          </span>
        </Notice>
      ) : null}
      {/* Read-only: the fields are locked, so there is nothing to save or cancel. */}
      {readOnly ? null : <FormActions submit={{ label: submitLabel ?? (server ? 'Save changes' : 'Create server'), busy: save.busy }} onCancel={onCancel} />}
      {/* A new server, once created, is saved work: its page (or the wizard's next step) takes over. */}
      <UnsavedChangesGuard dirty={!readOnly && changes.dirty} what={server ? 'this server' : 'the new server'} />
      {!readOnly && d.mode === 'relay' ? (
        <section className="subsection" aria-label="Test these settings">
          <h3>Test these settings</h3>
          <p className="muted small">Runs DNS, TCP, TLS, EHLO and, with a login, AUTH against the values above — saved or not.</p>
          <div className="form-grid">
            <Field label="Login (optional)" id={`${id}-tu`}>
              <input id={`${id}-tu`} value={testUser} onChange={(e) => setTestUser(e.target.value)} onKeyDown={testOnEnter} autoComplete="off" spellCheck={false} />
            </Field>
            <Field label="Password (optional)" id={`${id}-tp`}>
              <input id={`${id}-tp`} type="password" value={testPassword} onChange={(e) => setTestPassword(e.target.value)} onKeyDown={testOnEnter} autoComplete="new-password" />
            </Field>
          </div>
          <DiagnosticRun label="Test connection" onRun={() => void runTest()} test={test} result={result} disabled={!d.host} />
        </section>
      ) : null}
    </form>
  );
}

/**
 * "the stored password of 1 account", "the stored passwords of 3 accounts"; with an OAuth2
 * account among them, "the stored passwords and OAuth2 sign-ins of 3 accounts".
 */
function passwordsOf(accounts: readonly MailAccount[]): string {
  const n = accounts.length;
  const oauth2 = accounts.some((a) => a.auth.type === 'oauth2');
  const passwords = accounts.some((a) => a.auth.type !== 'oauth2');
  const what = oauth2 && passwords ? 'passwords and OAuth2 sign-ins' : oauth2 ? (n === 1 ? 'OAuth2 sign-in' : 'OAuth2 sign-ins') : n === 1 ? 'password' : 'passwords';
  return `the stored ${what} of ${n} ${n === 1 ? 'account' : 'accounts'}`;
}

/** What an OAuth2 account among them needs instead of a password typed again. */
const connectAgain = (accounts: readonly MailAccount[]) => (accounts.some((a) => a.auth.type === 'oauth2') ? ' (an OAuth2 account: its client secret if it was stored there, then Connect)' : '');

const upperFirst = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
