import { api, type ApiKey, type ApiKeyState } from '../../api.js';
import { formatDate, formatRelative } from '../../format.js';
import { useAction } from '../../hooks.js';
import { useList } from '../../lists.js';
import { navigate, useLocation } from '../../router.js';
import { AdminsOnly, Badge, type BadgeKind, ConfirmButton, DataTable, Empty, ErrorBox, ListState, PageHeader, useListOutcome } from '../../ui/index.js';
import { NewApiKey } from './NewApiKey.js';
import { useSession } from './session.js';

/** The filter of `GET /api-keys?unused=`, kept in the address bar so a filtered view can be bookmarked. */
const SHOW = [
  ['', 'All keys'],
  ['90', 'Not used for 90 days (or never)'],
  ['never', 'Never used'],
] as const;
type Show = (typeof SHOW)[number][0];

const STATE: Record<ApiKeyState, { label: string; kind: BadgeKind; why: string }> = {
  active: { label: 'active', kind: 'ok', why: 'The key works.' },
  revoked: { label: 'revoked', kind: 'bad', why: 'Revoked for good.' },
  expired: { label: 'expired', kind: 'bad', why: 'Past its expiry date: refused.' },
  creator_disabled: { label: 'creator disabled', kind: 'warn', why: 'Refused while the user who made it is disabled; enabling them brings it back.' },
  creator_deleted: { label: 'creator deleted', kind: 'bad', why: 'The user who made it was deleted: refused for good.' },
};

function Creator({ k }: { k: ApiKey }) {
  if (!k.creator) return <span className="muted" title="Made with the command line: it answers to no user">CLI</span>;
  const c = k.creator;
  return (
    <>
      <span>{c.email ?? c.id}</span>
      {c.status === 'active' ? <span className="muted small"> {c.role}</span> : <Badge kind={c.status === 'deleted' ? 'bad' : 'warn'}>{c.status}</Badge>}
    </>
  );
}

function Scopes({ k }: { k: ApiKey }) {
  const role = k.creator?.role;
  // The server says what the creator's role holds back (`limitedBy`), an override included:
  // the badge stands for what the key does now, the words for what it does not.
  const overrideHeld = k.allowOverride && !!role && role !== 'admin';
  return (
    <>
      {k.scopes.map((s) => (
        <Badge key={s}>{s}</Badge>
      ))}
      {k.allowOverride && !overrideHeld ? <Badge kind="info">override</Badge> : null}
      {k.limitedBy ? (
        <>
          <Badge kind="warn">limited to {role}</Badge>
          <div className="hint hint-warn key-limited">{k.limitedBy.charAt(0).toUpperCase() + k.limitedBy.slice(1)}.</div>
        </>
      ) : null}
    </>
  );
}

const ago = (v: string | null, now: number, none: string) => (v ? <span title={formatDate(v)}>{formatRelative(v, now)}</span> : <span className="muted">{none}</span>);

const TITLE = 'API keys';
const SUBTITLE = 'Keys for applications: send with “send”, read logs with “read”. Each key answers to the user who made it.';

/** Keys are an admin's to list and make (GET /api-keys is admin): anyone else who opens the page by its address is told so. */
export function ApiKeys() {
  const { can } = useSession();
  if (!can('admin')) {
    return (
      <AdminsOnly title={TITLE} subtitle={SUBTITLE}>
        <p>Only an admin can see, create and revoke API keys.</p>
        <p className="muted">An application that needs a key: ask an admin for one with the scopes it needs (send, read).</p>
      </AdminsOnly>
    );
  }
  return <ApiKeysForAdmins />;
}

function ApiKeysForAdmins() {
  const { query } = useLocation();
  const show = (SHOW.find(([v]) => v === query.get('unused'))?.[0] ?? '') as Show;
  const keys = useList<ApiKey>('/api-keys', show ? { unused: show } : undefined);
  const revoke = useAction();
  // Revoke goes with its row's button: the focus then goes to the key's row (still listed, as revoked) or, filtered out, to the next.
  const revoked = useListOutcome(keys, (k: ApiKey) => k.id);
  const revokeKey = async (k: ApiKey) => {
    revoked.clear();
    if (await revoke.run(() => api.del(`/api-keys/${k.id}`).then(() => true))) {
      revoked.done(`The key “${k.name}” is revoked: applications using it can no longer call the API.`, k);
      keys.reload();
    }
  };
  const now = Date.now();

  return (
    <>
      <PageHeader title={TITLE} subtitle={SUBTITLE} />
      <div className="inline key-filter">
        <label htmlFor="key-show">Show</label>
        <select id="key-show" value={show} onChange={(e) => navigate(e.target.value ? `/api-keys?unused=${e.target.value}` : '/api-keys')}>
          {SHOW.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
        {show ? <span className="muted small">Revoked and expired keys, and keys of deleted users, are left out: they open nothing any more.</span> : null}
      </div>
      <ErrorBox error={revoke.error} title="Not revoked" />
      {revoked.notice}
      <ListState
        list={keys}
        empty={
          show ? (
            <Empty title={show === 'never' ? 'Every key has been used' : 'Every key was used in the last 90 days'} />
          ) : (
            <Empty title="No API keys yet">Create one below for each application that sends mail.</Empty>
          )
        }
      >
        <DataTable
          rows={keys.items}
          rowKey={(k) => k.id}
          rowProps={(k) => ({ className: k.state === 'active' ? '' : 'revoked', 'data-key-state': k.state })}
          columns={[
            {
              header: 'Name',
              cell: (k) => (
                <>
                  <span className="key-name">{k.name}</span>
                  <code className="muted small key-prefix">{k.prefix}…</code>
                </>
              ),
            },
            { header: 'Scopes', cell: (k) => <Scopes k={k} /> },
            { header: 'Creator', cell: (k) => <Creator k={k} /> },
            { header: 'Created', cell: (k) => ago(k.createdAt, now, '') },
            { header: 'Last used', cell: (k) => ago(k.lastUsedAt, now, 'never') },
            { header: 'Expires', cell: (k) => ago(k.expiresAt, now, 'never') },
            {
              header: 'State',
              cell: (k) => (
                <Badge kind={STATE[k.state].kind} title={k.revokedAt ? `Revoked ${formatDate(k.revokedAt)}.` : STATE[k.state].why}>
                  {STATE[k.state].label}
                </Badge>
              ),
            },
          ]}
          actions={(k) =>
            k.state === 'revoked' ? null : (
              <ConfirmButton label="Revoke" srLabel={k.name} className="btn btn-small btn-danger" question={`Revoke “${k.name}”? Applications using it stop working.`} onConfirm={() => void revokeKey(k)} />
            )
          }
        />
      </ListState>
      <NewApiKey onCreated={keys.reload} />
    </>
  );
}
