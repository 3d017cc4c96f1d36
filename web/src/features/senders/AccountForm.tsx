import { useState, type FormEvent } from 'react';
import { api, notifyChanged, type MailAccount, type MailServer } from '../../api.js';
import { useAction } from '../../hooks.js';
import { errorFor, ErrorBox, Field, FieldError, FormActions, Notice, UnsavedChangesGuard, unfoldInvalid, useUnsavedChanges } from '../../ui/index.js';
import { AliasesField, refusedAtAliases } from './AliasesField.js';
import { encryptionInWords } from './encryption-words.js';
import { inboundBody, inboundDraft, InboundFields, refusedInInbound } from './InboundFields.js';
import { rateBody, rateDraft, RateLimitFields, refusedAtRateLimits } from './RateLimitFields.js';
import { isOAuth2Field, needsSecretAgain, oauth2Change, oauth2Draft, type StoredOAuth2 } from './oauth2-draft.js';
import { OAuth2Fields } from './OAuth2Fields.js';
import { buildRef, InputTypeSelect, parseRef, ReferencePicker, type InputType } from './PasswordSource.js';
import { serverChoiceLabel } from './server-label.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';

interface Props {
  account?: MailAccount;
  servers: MailServer[];
  /** Preselected server (the wizard passes the one it just created). */
  serverId?: string;
  defaults?: { login?: string };
  readOnly?: boolean;
  /** The page shows the account's OAuth2 section (Connect) under the form: the account's own page, for an admin. */
  oauth2Below?: boolean;
  submitLabel?: string;
  onSaved(account: MailAccount): void;
  onCancel?: () => void;
  /** The saved version, loaded after a conflict: for what the page shows around the form (its header, the tools). */
  onLoaded?(account: MailAccount): void;
  /** The page's item (useItem): a save answered 404 (deleted elsewhere) turns the page into its Gone page. */
  watch?<R>(request: Promise<R>): Promise<R>;
}

const asIs = <R,>(request: Promise<R>) => request;

/** The account's OAuth2 settings, or undefined for one that logs in with a password. */
const oauth2Of = (a: MailAccount | undefined): StoredOAuth2 | undefined => (a?.auth.type === 'oauth2' ? a.auth : undefined);

/** How the account logs in, as the input-type select shows it: OAuth2, or where the password comes from. */
const sourceOf = (a: MailAccount | undefined) => (oauth2Of(a) ? { type: 'oauth2' as InputType, providerId: '', target: '' } : parseRef(a?.passwordRef));

/**
 * Create or edit a sender account. The password, the OAuth2 client secret and refresh token are
 * write-only: the form never shows them, only whether one is set, and sends one only when the
 * admin typed a new one.
 */
export function AccountForm(props: Props) {
  const fresh = useFreshStart(props.account, props.onLoaded);
  return <AccountFormOf key={fresh.key} {...props} account={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function AccountFormOf({ account: loaded, servers, serverId, defaults, readOnly, oauth2Below, submitLabel, onSaved, onCancel, watch = asIs, conflict, onFresh }: Props & { conflict: VersionConflictState; onFresh(account: MailAccount): void }) {
  // The account as last loaded or saved here. A save does not remount the form (the focus, the
  // sections the user unfolded and what they were doing stay): it starts again from the saved
  // account, whose version the next save sends and against which "changed" is measured.
  const [account, setAccount] = useState(loaded);
  const fieldsOf = (a: MailAccount | undefined) => ({
    serverId: a?.serverId ?? serverId ?? servers[0]?.id ?? '',
    address: a?.address ?? '',
    fromName: a?.fromName ?? '',
    login: a?.login ?? defaults?.login ?? '',
    replyTo: a?.replyTo ?? '',
    active: a?.active ?? true,
  });
  const [f, setF] = useState(() => fieldsOf(account));
  const [aliases, setAliases] = useState<string[]>(account?.aliases ?? []);
  const [rate, setRate] = useState(() => rateDraft(account?.rateLimit));
  const [inbound, setInbound] = useState(() => inboundDraft(account?.inbound));
  const [changingPassword, setChangingPassword] = useState(!account?.passwordSet);
  const [password, setPassword] = useState('');
  const [removePassword, setRemovePassword] = useState(false);
  // How it logs in: OAuth2, or where the password comes from (typed in, an internal secret, a vault, env/file).
  const [source, setSource] = useState(() => sourceOf(account));
  const ref = buildRef(source.type, source.providerId, source.target);
  const storedOAuth2 = oauth2Of(account);
  const [oauth2, setOAuth2] = useState(() => oauth2Draft(storedOAuth2));
  // What a save would store, as the form shows it: against it the form is dirty (asked about
  // before leaving) and "Saved." holds while the form shows what was saved (it goes with the next edit).
  // Not whether "Change" was pressed: with nothing typed after it, there is no change to lose.
  type Shown = { f: typeof f; aliases: string[]; rate: typeof rate; inbound: typeof inbound; source: typeof source; oauth2: typeof oauth2; password: string; removePassword: boolean };
  const snapshot = (x: Shown) => JSON.stringify([x.f, x.aliases, x.rate, x.inbound, x.source, x.oauth2, x.password, x.removePassword]);
  const shown = snapshot({ f, aliases, rate, inbound, source, oauth2, password, removePassword });
  const changes = useUnsavedChanges(shown);
  // A refusal speaks of the values sent: it goes once the form is edited (and comes back if edited back).
  const save = useAction(shown);
  const set = (patch: Partial<typeof f>) => setF((x) => ({ ...x, ...patch }));
  const id = account ? `acc-${account.id}` : 'acc-new';
  const server = servers.find((s) => s.id === f.serverId);
  // Direct delivery logs in nowhere (it hands each message to the recipients' MX): the form
  // offers no login, password or OAuth2 for it, which the API would refuse anyway.
  const direct = server?.smtp.mode === 'direct';
  const movesAway = Boolean(account && (account.serverId !== f.serverId || (account.login ?? account.address) !== (f.login.trim() || f.address.trim())));
  const secretAgain = source.type === 'oauth2' && needsSecretAgain(oauth2, storedOAuth2, movesAway);
  // A refusal is said once: at its field where the form has one (an OAuth2 setting, an alias, a
  // limit, the mailbox reading), else in the "Not saved" banner, which says only what has none.
  // The password's refusal (an unencrypted or a direct server takes none) is said at the Password
  // field while the form shows one, in the server form's words for its encryption.
  const passwordError = source.type === 'plain' ? encryptionInWords(errorFor(save.field, save.error, 'password')) : null;
  // The account's own fields say their refusal beside them (not "replyTo: …" at the bottom).
  const own = {
    address: errorFor(save.field, save.error, 'address'),
    fromName: errorFor(save.field, save.error, 'fromName'),
    login: direct ? null : errorFor(save.field, save.error, 'login'),
    replyTo: errorFor(save.field, save.error, 'replyTo'),
  };
  const atField =
    Object.values(own).some((m) => m !== null) ||
    (source.type === 'oauth2' && isOAuth2Field(save.field)) || refusedAtAliases(save.field) || refusedAtRateLimits(save.field) || refusedInInbound(save.field, inbound) || passwordError !== null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      serverId: f.serverId,
      address: f.address.trim(),
      fromName: f.fromName.trim() || null,
      login: direct ? null : f.login.trim() || null,
      replyTo: f.replyTo.trim() || null,
      active: f.active,
    };
    // Aliases and limits go only when changed, so an env-sourced account is not marked overridden.
    if (JSON.stringify(aliases) !== JSON.stringify(account?.aliases ?? [])) body.aliases = aliases;
    const limit = rateBody(rate);
    if (JSON.stringify(limit) !== JSON.stringify(account?.rateLimit ?? null)) body.rateLimit = limit;
    const reading = inboundBody(inbound, account?.inbound);
    if (reading) body.inbound = reading;
    if (direct) {
      // Moved onto a direct server: whatever credentials the account had go (the API clears a
      // stored password when the server changes; OAuth2 settings and a reference are said so).
      if (storedOAuth2) body.auth = { type: 'password' };
      if (account?.passwordRef) body.passwordRef = null;
    } else if (source.type === 'oauth2') {
      // Sent when changed (or new): the API replaces `auth` whole, keeping secrets left out.
      const auth = oauth2Change(oauth2, storedOAuth2);
      if (auth) body.auth = auth;
    } else {
      // Back to a password (or a reference to one): the OAuth2 settings and their secrets go.
      if (storedOAuth2) body.auth = { type: 'password' };
      if (source.type !== 'plain') {
        body.passwordRef = ref;
      } else {
        if (account?.passwordRef) body.passwordRef = null;
        if (removePassword) body.password = null;
        else if (changingPassword && password) body.password = password;
      }
    }
    const saved = await save.run(() =>
      conflict.watch(account ? watch(api.patch<MailAccount>(`/accounts/${account.id}`, { ...body, version: account.version })) : api.post<MailAccount>('/accounts', body)),
    );
    if (saved) {
      setPassword('');
      notifyChanged();
      if (account) {
        // What the API stored, as a freshly loaded form would show it (the password write-only again).
        const next = { f: fieldsOf(saved), aliases: saved.aliases, rate: rateDraft(saved.rateLimit), inbound: inboundDraft(saved.inbound), source: sourceOf(saved), oauth2: oauth2Draft(oauth2Of(saved)) };
        setAccount(saved);
        setF(next.f);
        setAliases(next.aliases);
        setRate(next.rate);
        setInbound(next.inbound);
        setSource(next.source);
        setOAuth2(next.oauth2);
        setChangingPassword(!saved.passwordSet);
        setRemovePassword(false);
        changes.markSaved(snapshot({ ...next, password: '', removePassword: false }));
      }
      onSaved(saved);
    }
  };

  return (
    <form onSubmit={submit} onInvalidCapture={unfoldInvalid} className="card form" aria-label={account ? `Edit account ${account.address}` : 'New account'}>
      <fieldset disabled={readOnly} className="plain">
        <div className="form-grid">
          {/* A row of its own: a server's name with its host and port ("Local sink renamed
              (127.0.0.1:18174)") did not fit a third of the form and was cut off. */}
          <Field label="Mail server" id={`${id}-server`} wide>
            <select id={`${id}-server`} className="select-fit" required value={f.serverId} onChange={(e) => set({ serverId: e.target.value })}>
              {servers.length === 0 ? <option value="">Add a server first</option> : null}
              {servers.map((s) => (
                <option key={s.id} value={s.id}>
                  {serverChoiceLabel(s)}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Sender address" id={`${id}-address`}>
            <input id={`${id}-address`} type="email" required value={f.address} onChange={(e) => set({ address: e.target.value })} placeholder="noreply@example.com" autoComplete="off" aria-invalid={own.address ? true : undefined} />
            <FieldError id={`${id}-address-error`} message={own.address} />
          </Field>
          <Field label="Display name" id={`${id}-name`}>
            <input id={`${id}-name`} maxLength={200} value={f.fromName} onChange={(e) => set({ fromName: e.target.value })} placeholder="Example App" aria-invalid={own.fromName ? true : undefined} />
            <FieldError id={`${id}-name-error`} message={own.fromName} />
          </Field>
          {direct ? null : (
          <Field label="Login" id={`${id}-login`} hint="Leave empty to log in with the sender address.">
            <input id={`${id}-login`} value={f.login} onChange={(e) => set({ login: e.target.value })} autoComplete="off" spellCheck={false} aria-invalid={own.login ? true : undefined} />
            <FieldError id={`${id}-login-error`} message={own.login} />
          </Field>
          )}
          <Field label="Reply-To" id={`${id}-replyto`} hint="An address, or a name and address: Help Desk <help@example.com>.">
            {/* Not type="email": the browser would refuse a display name, which the API keeps. */}
            <input id={`${id}-replyto`} inputMode="email" maxLength={320} value={f.replyTo} onChange={(e) => set({ replyTo: e.target.value })} autoComplete="off" spellCheck={false} aria-invalid={own.replyTo ? true : undefined} />
            <FieldError id={`${id}-replyto-error`} message={own.replyTo} />
          </Field>
          {direct ? (
            <p className="hint" data-testid="direct-no-login">
              {server?.name} delivers directly to each recipient’s mail server: it logs in nowhere, so this account has no login or password.
            </p>
          ) : (
          <InputTypeSelect id={id} value={source.type} onChange={(type: InputType) => setSource({ type, providerId: '', target: '' })} />
          )}
          {direct ? null : source.type === 'oauth2' ? <OAuth2Fields id={id} value={oauth2} onChange={setOAuth2} stored={storedOAuth2} connectBelow={Boolean(oauth2Below)} field={save.field} error={save.error} /> : null}
          {!direct && source.type !== 'plain' && source.type !== 'oauth2' ? (
            <ReferencePicker id={id} type={source.type} providerId={source.providerId} target={source.target} onChange={(p) => setSource((s) => ({ ...s, ...p }))} />
          ) : null}
          {!direct && source.type === 'plain' ? (
          <div className="field">
            <span className="label" id={`${id}-pw-label`}>
              Password
            </span>
            {account?.passwordSet && !account.passwordRef && !changingPassword && !removePassword ? (
              <div className="inline">
                <span className="badge badge-ok">set</span>
                <button type="button" className="btn btn-small" onClick={() => setChangingPassword(true)}>
                  Change
                </button>
                <button type="button" className="btn btn-small" onClick={() => setRemovePassword(true)}>
                  Remove
                </button>
              </div>
            ) : removePassword ? (
              <div className="inline">
                <span className="badge badge-warn">will be removed</span>
                <button type="button" className="btn btn-small" onClick={() => setRemovePassword(false)}>
                  Keep it
                </button>
              </div>
            ) : (
              <input
                id={`${id}-password`}
                aria-labelledby={`${id}-pw-label`}
                type="password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                autoComplete="new-password"
                placeholder={account?.passwordSet ? 'New password' : 'Not set'}
                aria-invalid={passwordError ? true : undefined}
              />
            )}
            <FieldError id={`${id}-password-error`} message={passwordError} />
            <small className="hint">Write-only: stored encrypted, never shown again.</small>
          </div>
          ) : null}
          <div className="field checkbox-field">
            <label>
              <input type="checkbox" checked={f.active} onChange={(e) => set({ active: e.target.checked })} /> Active (may send)
            </label>
          </div>
          <AliasesField id={id} value={aliases} onChange={setAliases} field={save.field} error={save.error} />
          <RateLimitFields id={id} value={rate} onChange={setRate} field={save.field} error={save.error} />
          <InboundFields id={id} value={inbound} onChange={setInbound} server={server} login={f.login.trim() || f.address.trim()} field={save.field} error={save.error} />
        </div>
        {server?.smtp.security === 'none' && (password || account?.passwordSet) ? (
          // The API takes a password for such a server only when IMAP over TLS can use it.
          server.imap && server.imap.security !== 'none' ? (
            <div className="alert alert-info">This server sends without encryption: the password is used for IMAP only (over TLS), and mail is sent without logging in.</div>
          ) : (
            <div className="alert alert-warning">This server is not encrypted: Mailroom will refuse to send a password to it.</div>
          )
        ) : null}
        {movesAway && account?.passwordSet && !password ? (
          <div className="alert alert-info">Changing the server or login clears the stored password, so it is never sent somewhere it was not meant for. Type it again.</div>
        ) : null}
        {secretAgain ? (
          <div className="alert alert-info">
            Changing the provider, tenant, client id, token URL, server or login needs the client secret again: the stored one is never sent somewhere new.
            {storedOAuth2?.refreshTokenSet ? ' It also drops the refresh token: press Connect again after saving.' : ''}
          </div>
        ) : null}
      </fieldset>
      <ErrorBox error={atField || conflict.conflict ? null : encryptionInWords(save.error)} title="Not saved" />
      {account ? (
        <VersionConflict
          state={conflict}
          what={`the account ${account.address}`}
          dirty={changes.dirty}
          load={async () => onFresh(await watch(api.get<MailAccount>(`/accounts/${account.id}`)))}
        />
      ) : null}
      {changes.justSaved && !save.error ? <Notice kind="success">Saved.</Notice> : null}
      {!readOnly ? (
        <FormActions submit={{ label: submitLabel ?? (account ? 'Save changes' : 'Create account'), busy: save.busy, disabled: servers.length === 0 }} onCancel={onCancel} />
      ) : null}
      <UnsavedChangesGuard dirty={!readOnly && changes.dirty} what={account ? 'this account' : 'the new account'} />
    </form>
  );
}
