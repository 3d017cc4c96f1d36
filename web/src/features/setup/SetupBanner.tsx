import { useEffect, useState } from 'react';
import { api, isNotFound, type SetupStatus } from '../../api.js';
import { Link, useLocation } from '../../router.js';
import { useSession } from '../access/session.js';

/**
 * Where each missing piece is fixed. Codes come from GET /setup/status; an unknown code
 * still shows its message and links to the wizard.
 */
export function fixLink(code: string): { to: string; label: string } {
  const c = code.toLowerCase();
  if (c.includes('dkim')) return { to: '/domains', label: 'Set up DKIM' };
  if (c.includes('spf')) return { to: '/domains', label: 'Check SPF' };
  if (c.includes('stand_in')) return { to: '/accounts', label: 'Replace the stand-in account' };
  if (c.includes('driver')) return { to: '/messages', label: 'Read the logged mail' };
  if (c.includes('key_file') || c.includes('keyfile') || c.includes('secret')) return { to: '/settings', label: 'See settings' };
  if (c.includes('default')) return { to: '/settings', label: 'Choose a default sender' };
  if (c.includes('purpose')) return { to: '/routing', label: 'Fix routing' };
  // Where the banner's words send the admin ("Mail servers → Add server"); the wizard is its own button.
  if (c.includes('server')) return { to: '/servers/new', label: 'Add a mail server' };
  if (c.includes('account')) return { to: '/accounts', label: 'Add an account' };
  return { to: '/setup', label: 'Open the setup wizard' };
}

/**
 * The gaps without which no message can leave at all: the banner's *Mailroom cannot send mail
 * yet.*, and the only ones that send an admin who opens "/" to the wizard (Routes.tsx).
 */
export const BLOCKING: readonly string[] = ['no_server', 'no_active_account'];

/** Shown on every page while setup is incomplete, saying what is missing and whether mail goes out meanwhile. */
export function SetupBanner() {
  const { path } = useLocation();
  const { can } = useSession();
  // Fixing a gap is an admin's work (the wizard, a server, the default sender): anyone else is
  // told who can, and offered only what they can do themselves (read the logged mail).
  const isAdmin = can('admin');
  const [status, setStatus] = useState<SetupStatus | null>(null);
  const [unavailable, setUnavailable] = useState(false);

  useEffect(() => {
    let live = true;
    const load = () =>
      api.get<SetupStatus>('/setup/status').then(
        (s) => live && setStatus(s),
        (err: unknown) => live && isNotFound(err) && setUnavailable(true),
      );
    load();
    window.addEventListener('mailroom:changed', load);
    return () => {
      live = false;
      window.removeEventListener('mailroom:changed', load);
    };
  }, [path]);

  if (unavailable || !status || status.complete || status.missing.length === 0) return null;
  // With the log driver, nothing here can make mail leave: the banner says what the mode means, not how to configure servers.
  const logOnly = status.missing.some((m) => m.code === 'log_driver');
  // Only these gaps stop mail; the others (no default sender, DKIM, SPF, a readable key file) leave it going out.
  const blocked = status.missing.some((m) => BLOCKING.includes(m.code));
  const title = logOnly ? 'Log-only mode: Mailroom sends no mail.' : blocked ? 'Mailroom cannot send mail yet.' : 'Mail goes out, but setup is not finished.';
  return (
    <section className="banner" aria-label={logOnly ? 'Log-only mode' : 'Setup is not complete'} data-testid="setup-banner">
      <div className="banner-title">
        <strong>{title}</strong>
        {path !== '/setup' && !logOnly && isAdmin ? (
          <Link to="/setup" className="btn btn-small">
            Open the setup wizard
          </Link>
        ) : null}
      </div>
      <ul>
        {status.missing.map((m) => {
          const fix = fixLink(m.code);
          return (
            <li key={m.code + m.message}>
              {m.message} {m.fix ? <span className="banner-fix">{m.fix}</span> : null}{' '}
              {isAdmin || fix.to === '/messages' ? (
                <Link to={fix.to} className="banner-link">
                  {fix.label} →
                </Link>
              ) : null}
            </li>
          );
        })}
      </ul>
      {isAdmin || logOnly ? null : <p className="banner-fix">Only an admin can finish the setup.</p>}
    </section>
  );
}
