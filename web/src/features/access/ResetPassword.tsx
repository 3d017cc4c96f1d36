import { useState, type FormEvent } from 'react';
import { api, isNotFound, type User } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { VersionConflict, type VersionConflictState } from '../../ui/VersionConflict.js';
import { useFreshStart } from '../../ui/fresh-start.js';

/**
 * An admin sets a new password for someone else (PATCH /users/:id { password, version }); the API ends
 * that user's open sessions. The password is typed, sent once and forgotten.
 */
type Props = { user: User; onDone: (message: string) => void; onCancel: () => void; onStale?: () => void; onGone?: () => void };

/**
 * `onStale`: someone else changed the user meanwhile and their saved version was loaded here; the
 * list reloads so its row shows their change too.
 * `onGone`: someone else deleted the user meanwhile (the API's 404 names them by id): the page
 * says so by their email and reloads the list, which takes this form with their row. Without it
 * the form says so itself.
 */
export function ResetPassword(props: Props) {
  const fresh = useFreshStart(props.user, props.onStale);
  return <ResetPasswordOf key={fresh.key} {...props} user={fresh.value} conflict={fresh.conflict} onFresh={fresh.onFresh} />;
}

function ResetPasswordOf({ user, onDone, onCancel, onGone, conflict, onFresh }: Props & { conflict: VersionConflictState; onFresh(u: User): void }) {
  const [password, setPassword] = useState('');
  const save = useAction();
  // Nothing was loaded: a password typed is the change (emptied once it is set).
  const { dirty, markSaved } = useUnsavedChanges(password);
  const id = `reset-${user.id}`;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const request = conflict.watch(api.patch<User>(`/users/${user.id}`, { password, version: user.version })).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
      if (onGone) {
        // Said by the page (this form goes with the user's row); asked nothing about the password typed for them.
        markSaved(password);
        onGone();
        return undefined;
      }
      throw new Error(`${user.email} was deleted meanwhile, by someone else.`);
    });
    if (await save.run(() => request)) {
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
        <VersionConflict state={conflict} what={`the user ${user.email}`} dirty={dirty} load={async () => onFresh(await savedUser(user, onGone))} />
      </div>
      <UnsavedChangesGuard dirty={dirty} what={`the new password of ${user.email}`} />
    </form>
  );
}

/** The user as stored now (the API lists users; it has no page for one); `onGone` told when they were deleted meanwhile. */
async function savedUser(user: User, onGone?: () => void): Promise<User> {
  const found = (await api.get<{ items: User[] }>('/users')).items.find((u) => u.id === user.id);
  if (!found) {
    onGone?.();
    throw new Error(`${user.email} was deleted meanwhile, by someone else.`);
  }
  return found;
}
