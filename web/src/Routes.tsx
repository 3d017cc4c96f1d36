import { useEffect } from 'react';
import { api } from './api.js';
import { Empty, Spinner } from './components/ui.js';
import { Accounts, AccountEdit } from './pages/Accounts.js';
import { ApiKeys } from './pages/ApiKeys.js';
import { Audit } from './pages/Audit.js';
import { Domains } from './pages/Domains.js';
import { MessageDetail } from './pages/MessageDetail.js';
import { Messages } from './pages/Messages.js';
import { Routing } from './pages/Routing.js';
import { ServerEdit, Servers } from './pages/Servers.js';
import { Settings } from './pages/Settings.js';
import { Setup } from './pages/Setup.js';
import { Users } from './pages/Users.js';
import { Link, match, navigate, useLocation } from './router.js';
import { useSession } from './session.js';
import type { SetupStatus } from './types.js';

/** "/" sends an admin to the wizard while setup is incomplete, everyone else to the log. */
function Home() {
  const { can } = useSession();
  useEffect(() => {
    let live = true;
    const go = (to: string) => live && navigate(to, { replace: true });
    if (!can('admin')) go('/messages');
    else
      // Only a missing server or account needs the wizard; other gaps are shown by the banner.
      api.get<SetupStatus>('/setup/status').then(
        (s) => go(s.missing.some((m) => m.code === 'no_server' || m.code === 'no_active_account') ? '/setup' : '/messages'),
        () => go('/messages'),
      );
    return () => {
      live = false;
    };
  }, [can]);
  return <Spinner />;
}

function NotFound() {
  return (
    <Empty title="There is no such page">
      <Link to="/messages">Go to the email log</Link>
    </Empty>
  );
}

export function Routes() {
  const { path } = useLocation();
  let p: Record<string, string> | null;
  if (path === '/' || path === '') return <Home />;
  if (match('/setup', path)) return <Setup />;
  if (match('/messages', path)) return <Messages />;
  if ((p = match('/messages/:id', path))) return <MessageDetail key={p.id} id={p.id} />;
  if (match('/servers', path)) return <Servers />;
  if ((p = match('/servers/:id', path))) return <ServerEdit key={p.id} id={p.id} />;
  if (match('/accounts', path)) return <Accounts />;
  if ((p = match('/accounts/:id', path))) return <AccountEdit key={p.id} id={p.id} />;
  if (match('/routing', path)) return <Routing />;
  if (match('/domains', path)) return <Domains />;
  if (match('/settings', path)) return <Settings />;
  if (match('/audit', path)) return <Audit />;
  if (match('/users', path)) return <Users />;
  if (match('/api-keys', path)) return <ApiKeys />;
  return <NotFound />;
}
