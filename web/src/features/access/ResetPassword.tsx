import { useState, type FormEvent } from 'react';
import { api, type User } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';

/**
 * An admin sets a new password for someone else (PATCH /users/:id { password, version }); the API ends
 * that user's open sessions. The password is typed, sent once and forgotten.
 */
type Props = { user: User; onDone: (message: string) => void; onCancel: () => void; onStale?: () => void };

/**
 * `onStale`: someone else changed the user meanwhile and their saved version was loaded here; the
 * list reloads so its row shows their change too.
 */
export function ResetPassword(props: Props) {
  const fresh = useFreshStart(props.user, props.onStale);
  return <ResetPasswordOf key={fresh.key} {...props} user={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function ResetPasswordOf({ user, onDone, onCancel, conflict, onFresh }: Props & { conflict: VersionConflictState; onFresh(u: User): void }) {
  const [password, setPassword] = useState('');
  const save = useAction();
  // Nothing was loaded: a password typed is the change (emptied once it is set).
  const { dirty } = useUnsavedChanges(password);
  const id = `reset-${user.id}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (await save.run(() => conflict.watch(api.patch<User>(`/users/${user.id}`, { password, version: user.version })))) {
      setPassword('');
      onDone(`New password set for ${user.email}; their open sessions were ended.`);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label={`Reset the password of ${user.email}`}>
      <label htmlFor={id}>New password for {user.email}</label>
      {/* The label says what it is, the placeholder what it needs: "New password (10+ characters)" was cut off on a phone. */}
      <input id={id} type="password" required autoFocus autoComplete="new-password" placeholder="10+ characters" value={password} onChange={(e) => setPassword(e.target.value)} />
      <button type="submit" className="btn btn-small btn-primary" disabled={save.busy}>
        {save.busy ? 'Saving…' : 'Set password'}
      </button>
      <button
        type="button"
        className="btn btn-small"
        onClick={onCancel}
      >
        Cancel
      </button>
      <span className="muted small">Their open sessions end.</span>
      <div className="field-wide">
        <ErrorBox error={conflict.conflict ? null : save.error} title="Password not changed" />
        <VersionConflict state={conflict} what={`the user ${user.email}`} dirty={dirty} load={async () => onFresh(await savedUser(user.id))} />
      </div>
      <UnsavedChangesGuard dirty={dirty} what={`the new password of ${user.email}`} />
    </form>
  );
}

/** The user as stored now (the API lists users; it has no page for one). */
async function savedUser(id: string): Promise<User> {
  const found = (await api.get<{ items: User[] }>('/users')).items.find((u) => u.id === id);
  if (!found) throw new Error('This user was deleted meanwhile.');
  return found;
}
