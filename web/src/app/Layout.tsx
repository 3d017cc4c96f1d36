import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Permission } from '../api.js';
import { useSession } from '../features/access/session.js';
import { PasswordChangePrompt } from '../features/access/PasswordChangePrompt.js';
import { SetupBanner } from '../features/setup/SetupBanner.js';
import { mayLeave } from '../leave-guard.js';
import { Link, useLocation } from '../router.js';

interface NavItem {
  to: string;
  label: string;
  needs?: Permission;
}

const NAV: NavItem[] = [
  { to: '/messages', label: 'Email log' },
  { to: '/servers', label: 'Mail servers' },
  { to: '/accounts', label: 'Accounts' },
  { to: '/routing', label: 'Routing' },
  { to: '/templates', label: 'Templates' },
  { to: '/rules', label: 'Rules' },
  { to: '/events', label: 'Events' },
  { to: '/contact-auto-reply', label: 'Contact auto-reply' },
  { to: '/reports', label: 'Reports' },
  { to: '/domains', label: 'Domains' },
  { to: '/settings', label: 'Settings' },
  { to: '/webhooks', label: 'Webhooks' },
  { to: '/suppressions', label: 'Suppressions' },
  { to: '/setup', label: 'Setup wizard', needs: 'admin' },
  { to: '/audit', label: 'Audit log' },
  { to: '/users', label: 'Users', needs: 'admin' },
  { to: '/api-keys', label: 'API keys', needs: 'admin' },
  { to: '/smtp-relay', label: 'SMTP relay' },
  { to: '/secrets', label: 'Secrets', needs: 'admin' },
];

/**
 * After a menu entry is chosen, keyboard and screen-reader users continue in the page they
 * opened, not on the menu link (which, on a phone, the closing menu hides).
 */
function focusMainAfterNavigation(): void {
  window.setTimeout(() => document.getElementById('main')?.focus({ preventScroll: true }), 0);
}

export function Layout({ children }: { children: ReactNode }) {
  const { path } = useLocation();
  const session = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  const sidebar = useRef<HTMLElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  // Escape closes the open menu (on a phone it covers the page), like any disclosure, and gives
  // focus back to the Menu button. Only from the menu itself or the bare page: an Escape meant
  // for the page (a question being asked there) is left to it.
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      const from = e.target instanceof Node ? e.target : null;
      if (from && from !== document.body && !sidebar.current?.contains(from)) return;
      setMenuOpen(false);
      toggle.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);
  const who = session.info.user?.email ?? session.info.principal.label;
  const role = session.info.user?.role ?? session.info.principal.role;

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside ref={sidebar} className={menuOpen ? 'sidebar open' : 'sidebar'}>
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ✉
          </span>
          <span>Mailroom</span>
          <button ref={toggle} type="button" className="menu-toggle" aria-expanded={menuOpen} aria-controls="main-nav" onClick={() => setMenuOpen((o) => !o)}>
            Menu
          </button>
        </div>
        <nav id="main-nav" aria-label="Main">
          <ul>
            {NAV.filter((n) => !n.needs || session.can(n.needs)).map((n) => {
              const active = path === n.to || path.startsWith(`${n.to}/`);
              return (
                <li key={n.to}>
                  <Link
                    to={n.to}
                    aria-current={active ? 'page' : undefined}
                    className={active ? 'active' : undefined}
                    onClick={() => {
                      setMenuOpen(false);
                      focusMainAfterNavigation();
                    }}
                  >
                    {n.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <div className="whoami">
          {session.info.user ? (
            <Link to="/profile" className="whoami-name" title={`${who}: your profile`} onClick={() => setMenuOpen(false)}>
              {who}
            </Link>
          ) : (
            <span className="whoami-name" title={who}>
              {who}
            </span>
          )}
          {role ? <span className="badge badge-neutral">{role}</span> : null}
          {/* Logging out leaves the page too: unsaved work there is asked about first. */}
          <button type="button" className="btn btn-small" onClick={() => void mayLeave().then((leave) => (leave ? session.logout() : undefined))}>
            Log out
          </button>
        </div>
      </aside>
      <div className="content">
        {session.info.user?.passwordChangeRequired && path !== '/profile' ? <PasswordChangePrompt /> : null}
        <SetupBanner />
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  );
}
