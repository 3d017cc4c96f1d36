import { useState, type FormEvent } from 'react';
import { api, isNotFound, type Role, type User } from '../../api.js';
import { formatDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { mayReplace } from '../../leave-guard.js';
import { useList } from '../../lists.js';
import { AdminsOnly, Badge, ConfirmButton, DataTable, Empty, ErrorBox, errorFor, Field, FieldError, FormActions, ListState, Notice, PageHeader, UnsavedChangesGuard, useUnsavedChanges, WorkScope } from '../../ui/index.js';
import { ResetPassword } from './ResetPassword.js';
import { isVersionConflict } from '../../ui/VersionConflict.js';
import { useSession } from './session.js';

/** The part of the page the open password reset is in: Reset password on another user (or this one again) replaces it. */
const RESET_FORM = 'password-reset';

const ROLE_HELP: Record<Role, string> = {
  admin: 'everything',
  operator: 'send, read logs, retry and cancel',
  viewer: 'read only',
};

const TITLE = 'Users';
const SUBTITLE = 'People who sign in to this admin UI.';

/** Users are an admin's to list and manage (GET /users is admin): anyone else who opens the page by its address is told so. */
export function Users() {
  const { can } = useSession();
  if (!can('admin')) {
    return (
      <AdminsOnly title={TITLE} subtitle={SUBTITLE}>
        <p>Only an admin can see and manage users.</p>
        <p className="muted">Your own sign-in (email, name, password) is yours to change under Profile.</p>
      </AdminsOnly>
    );
  }
  return <UsersForAdmins />;
}

function UsersForAdmins() {
  const { info } = useSession();
  const users = useList<User>('/users');
  const [form, setForm] = useState({ email: '', name: '', role: 'viewer' as Role, password: '' });
  // A refusal speaks of the user as sent: it goes once the form is edited (edit it back and it returns).
  const create = useAction(form);
  // The new user as typed is work until added (the form empties itself then).
  const { dirty } = useUnsavedChanges(JSON.stringify(form));
  const change = useAction();
  // The user a role change or Disable/Enable was refused for because someone else changed them
  // after the list loaded: said in words (the API's speaks of versions), and the list shows them as stored.
  const [changedMeanwhile, setChangedMeanwhile] = useState<string | null>(null);
  // A user someone else deleted after the list loaded, found by a change made here: said by their
  // email, in words (the API's message names their id), with what was not done; the list is reloaded.
  const [goneMeanwhile, setGoneMeanwhile] = useState<{ email: string; title: string } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [resetting, setResetting] = useState<string | null>(null);
  /**
   * One password reset open at a time, under its user's row: another user's Reset password (or
   * closing this one) asks first while a password is typed. Asked rather than kept: a password
   * typed for one user is not meant for the next, and a second open form would invite setting
   * the wrong one.
   */
  const openReset = async (id: string | null) => {
    if (await mayReplace(RESET_FORM)) setResetting(id);
  };
  const isSelf = (u: User) => u.id === info.user?.id;
  const createErr = (field: string) => errorFor(create.field, create.error, field);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    setGoneMeanwhile(null);
    const u = await create.run(() => api.post<User>('/users', { email: form.email.trim(), name: form.name.trim() || null, role: form.role, password: form.password }));
    if (u) {
      setForm({ email: '', name: '', role: 'viewer', password: '' });
      setDone(`${u.email} was added as ${u.role}. Give them the initial password: at their first sign-in they are asked to choose their own.`);
      users.reload();
    }
  };
  /** Someone else deleted `u`: said by email, and the list shows the users as stored (their row goes, with a password reset open under it). */
  const deletedMeanwhile = (u: User, title: string) => {
    setDone(null);
    setChangedMeanwhile(null);
    setGoneMeanwhile({ email: u.email, title });
    setResetting((r) => (r === u.id ? null : r));
    users.reload();
  };
  const patch = async (u: User, body: Record<string, unknown>) => {
    setDone(null);
    setChangedMeanwhile(null);
    setGoneMeanwhile(null);
    const saved = await change.run(() =>
      api.patch<User>(`/users/${u.id}`, { ...body, version: u.version }).catch((err: unknown) => {
        if (isVersionConflict(err)) setChangedMeanwhile(u.email);
        if (isNotFound(err)) setGoneMeanwhile({ email: u.email, title: 'Not changed' });
        throw err;
      }),
    );
    if (saved && 'disabled' in body) setDone(saved.disabled ? `${u.email} is disabled and signed out; they cannot sign in, and the API keys they made do not work, until enabled.` : `${u.email} can sign in again, and their API keys work again.`);
    // Saved or refused (someone else changed the user: 409), the list shows the user as stored now, with the version the next change sends.
    users.reload();
  };
  const remove = async (u: User) => {
    setChangedMeanwhile(null);
    setGoneMeanwhile(null);
    if (await change.run(() => api.del(`/users/${u.id}`).then(() => true))) users.reload();
  };

  return (
    <>
      <PageHeader title={TITLE} subtitle={SUBTITLE} />
      {goneMeanwhile ? (
        <ErrorBox error={`${goneMeanwhile.email} was deleted meanwhile, by someone else. The list now shows the users as saved.`} title={goneMeanwhile.title} />
      ) : (
        <ErrorBox
          error={change.error && changedMeanwhile ? `someone else changed the user ${changedMeanwhile} after the list was loaded. The list now shows them as saved: make your change again.` : change.error}
          title="Not changed"
        />
      )}
      {done ? <Notice kind="success">{done}</Notice> : null}
      <ListState list={users} empty={<Empty title="No users" />}>
        <DataTable
          rows={users.items}
          rowKey={(u) => u.id}
          columns={[
            {
              header: 'User',
              cell: (u) => (
                <>
                  {u.email} {isSelf(u) ? <Badge kind="info">you</Badge> : null}
                  {u.passwordChangeRequired ? (
                    <Badge kind="warn" title="Signed in with a password someone else chose, or not yet: asked to choose their own at the next sign-in.">
                      own password not chosen yet
                    </Badge>
                  ) : null}
                  {u.name ? <div className="muted small">{u.name}</div> : null}
                </>
              ),
            },
            {
              header: 'Role',
              cell: (u) => (
                <select aria-label={`Role of ${u.email}`} value={u.role} disabled={isSelf(u) || change.busy} onChange={(e) => void patch(u, { role: e.target.value })}>
                  <option value="admin">admin</option>
                  <option value="operator">operator</option>
                  <option value="viewer">viewer</option>
                </select>
              ),
            },
            { header: 'State', cell: (u) => (u.disabled ? <Badge kind="bad">disabled</Badge> : <Badge kind="ok">active</Badge>) },
            { header: 'Created', cell: (u) => formatDate(u.createdAt) },
          ]}
          actions={(u) =>
            !isSelf(u) ? (
              <>
                <button type="button" className="btn btn-small" aria-expanded={resetting === u.id} onClick={() => void openReset(resetting === u.id ? null : u.id)}>
                  Reset password<span className="sr-only"> of {u.email}</span>
                </button>
                <button type="button" className="btn btn-small" onClick={() => void patch(u, { disabled: !u.disabled })} disabled={change.busy}>
                  {u.disabled ? 'Enable' : 'Disable'}
                  <span className="sr-only"> {u.email}</span>
                </button>
                <ConfirmButton label="Delete" srLabel={u.email} className="btn btn-small btn-danger" question={`Delete ${u.email}? The API keys they made stop working for good.`} onConfirm={() => void remove(u)} />
              </>
            ) : null
          }
          below={(u) =>
            resetting === u.id ? (
              <tr className="subrow">
                <td colSpan={5}>
                  <WorkScope name={RESET_FORM}>
                    <ResetPassword
                      user={u}
                      onCancel={() => setResetting(null)}
                      onStale={users.reload}
                      onGone={() => deletedMeanwhile(u, 'Password not changed')}
                      onDone={(m) => {
                        setResetting(null);
                        setGoneMeanwhile(null);
                        setDone(m);
                        // The reset made a new version: the next change sends it.
                        users.reload();
                      }}
                    />
                  </WorkScope>
                </td>
              </tr>
            ) : null
          }
        />
      </ListState>
      <form className="card form" onSubmit={submit} aria-labelledby="new-user-h">
        <h2 id="new-user-h">Add a user</h2>
        <div className="form-grid">
          <Field label="Email" id="user-email" hint="Their login: the address alone, without a display name.">
            <input
              id="user-email"
              type="email"
              required
              value={form.email}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
              autoComplete="off"
              aria-invalid={createErr('email') ? true : undefined}
              aria-describedby={createErr('email') ? 'user-email-error' : 'user-email-hint'}
            />
            <FieldError id="user-email-error" message={createErr('email')} />
          </Field>
          <Field label="Name" id="user-name">
            <input
              id="user-name"
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
              aria-invalid={createErr('name') ? true : undefined}
              aria-describedby={createErr('name') ? 'user-name-error' : undefined}
            />
            <FieldError id="user-name-error" message={createErr('name')} />
          </Field>
          <Field label="Role" id="user-role" hint={ROLE_HELP[form.role]}>
            <select id="user-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
              <option value="viewer">viewer</option>
              <option value="operator">operator</option>
              <option value="admin">admin</option>
            </select>
          </Field>
          <Field label="Initial password" id="user-password" hint="At least 10 characters. They are asked to choose their own at their first sign-in.">
            <input
              id="user-password"
              type="password"
              required
              minLength={10}
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
              autoComplete="new-password"
              aria-invalid={createErr('password') ? true : undefined}
              aria-describedby={createErr('password') ? 'user-password-error' : 'user-password-hint'}
            />
            <FieldError id="user-password-error" message={createErr('password')} />
          </Field>
        </div>
        {/* A refusal shown at its field is said there only, once. */}
        <ErrorBox error={createErr('email') || createErr('password') || createErr('name') ? null : create.error} title="Not created" />
        <FormActions submit={{ label: 'Add user', busy: create.busy, busyLabel: 'Adding…' }} />
        <UnsavedChangesGuard dirty={dirty} what="the new user" />
      </form>
  </>
  );
}
