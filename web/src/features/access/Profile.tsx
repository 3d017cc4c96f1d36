import { useRef, useState, type FormEvent } from 'react';
import { api, type User } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox, errorFor, Field, FieldError, FormActions, Notice, PageHeader, UnsavedChangesGuard, useUnsavedChanges } from '../../ui/index.js';
import { useSession } from './session.js';

/** The fields this form shows, each with its own error line. */
const PROFILE_FIELDS = ['email', 'name', 'newPassword', 'currentPassword'];

/**
 * The signed-in user's own email, name and password (PATCH /profile). Every change needs the
 * current password; a new password ends the user's other sessions and keeps this one.
 */
export function Profile() {
  const session = useSession();
  const user = session.info.user;
  const [email, setEmail] = useState(user?.email ?? '');
  const [name, setName] = useState(user?.name ?? '');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [done, setDone] = useState<string | null>(null);
  // The email, name and new password as typed; the current password alone changes nothing.
  const shown = JSON.stringify([email, name, next, confirm]);
  // A refusal speaks of what was sent (the current password too): it goes once the form is edited.
  const save = useAction([email, name, next, confirm, current]);
  const changes = useUnsavedChanges(shown);
  const confirmInput = useRef<HTMLInputElement>(null);
  // The new passwords as they were when a save was refused for differing: "Not saved" holds until either is edited.
  const [refusedPair, setRefusedPair] = useState<string | null>(null);

  if (!user) return <Notice>An API key has no profile: sign in as a user to change an email or password.</Notice>;

  const mismatch = next !== '' && confirm !== '' && next !== confirm;
  const pair = JSON.stringify([next, confirm]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    // Save stays enabled (a disabled one made Enter do nothing, and said nothing): the second
    // password takes the focus, read out with its "differ" message (FieldError ties them), and
    // "Not saved" is said as an alert, for Enter pressed in that field (where the focus is already).
    if (mismatch) {
      setRefusedPair(pair);
      confirmInput.current?.focus();
      return;
    }
    const body: Record<string, unknown> = { currentPassword: current };
    if (email.trim() !== user.email) body.email = email.trim();
    if ((name.trim() || null) !== user.name) body.name = name.trim() || null;
    if (next) body.newPassword = next;
    const updated = await save.run(() => api.patch<User>('/profile', body));
    if (!updated) return;
    // Stored: the email and name as they stand, the new password fields emptied below.
    changes.markSaved(JSON.stringify([email, name, '', '']));
    setCurrent('');
    setNext('');
    setConfirm('');
    // The session first: when "Saved" shows, the header and the prompt already show the new email.
    await session.reload();
    setDone(next ? 'Saved. Your new password is in use; your other sessions were signed out.' : 'Saved.');
  };
  const err = (field: string) => errorFor(save.field, save.error, field);

  return (
    <>
      <PageHeader title="Your profile" subtitle={`Signed in as ${user.email} (${user.role})`} />
      {user.passwordChangeRequired ? (
        <Notice kind="warning">Your password was chosen by someone else (generated at the first start, or set by an admin). Choose your own below.</Notice>
      ) : null}
      {done ? <Notice kind="success">{done}</Notice> : null}
      <form className="card form-grid" onSubmit={submit} aria-label="Your profile">
        <Field label="Email (your login)" id="profile-email">
          <input id="profile-email" type="email" required autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} aria-invalid={!!err('email')} />
          <FieldError id="profile-email-error" message={err('email')} />
        </Field>
        <Field label="Name" id="profile-name">
          <input id="profile-name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={err('name') ? true : undefined} />
          <FieldError id="profile-name-error" message={err('name')} />
        </Field>
        <Field label="New password" id="profile-new" hint="At least 10 characters. Leave empty to keep your password.">
          <input id="profile-new" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} aria-invalid={!!err('newPassword')} />
          <FieldError id="profile-new-error" message={err('newPassword')} />
        </Field>
        <Field label="New password, again" id="profile-confirm">
          <input ref={confirmInput} id="profile-confirm" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} aria-invalid={mismatch} required={next !== ''} />
          <FieldError id="profile-confirm-error" message={mismatch ? 'The two new passwords differ.' : null} />
        </Field>
        <Field label="Current password" id="profile-current" hint="Needed for every change, so a session left open is not enough to take the account." wide>
          <input id="profile-current" type="password" required autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} aria-invalid={!!err('currentPassword')} />
          <FieldError id="profile-current-error" message={err('currentPassword')} />
        </Field>
        <div className="field-wide">
          {/* A refusal of a field this form shows is told there; any other (a version conflict …) here. */}
          <ErrorBox error={save.field && PROFILE_FIELDS.includes(save.field) ? null : save.error} title="Not saved" />
          <ErrorBox error={mismatch && refusedPair === pair ? 'the two new passwords differ (type the same one in both).' : null} title="Not saved" />
          <FormActions submit={{ label: 'Save', busy: save.busy }} />
        </div>
        <UnsavedChangesGuard dirty={changes.dirty} what="your profile" />
      </form>
    </>
  );
}
