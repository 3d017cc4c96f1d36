import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '../../api.js';
import { ErrorBox } from '../../ui/index.js';

export function Login({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.post('/session', { email, password });
      onLoggedIn();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <div className="login-page">
      <form className="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <div className="brand brand-center">
          <span className="brand-mark" aria-hidden="true">
            ✉
          </span>
          <span>Mailroom</span>
        </div>
        <h1 id="login-title">Sign in</h1>
        <ErrorBox error={error} />
        <div className="field">
          <label htmlFor="login-email">Email</label>
          <input id="login-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="login-password">Password</label>
          <input id="login-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <button className="btn btn-primary btn-block" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {/* Said whole: MAILROOM_ADMIN_PASSWORD set later changes nothing, and an admin who lost the printed password tried it. */}
        <p className="muted small" data-testid="login-password-help">
          The first admin's password is printed once when Mailroom first starts (or set by MAILROOM_ADMIN_PASSWORD on that first start only). Lost it? On the server, run{' '}
          <code>mailroom user reset-password --email &lt;email&gt; --password-env &lt;variable&gt;</code>, or ask another admin.
        </p>
      </form>
    </div>
  );
}
