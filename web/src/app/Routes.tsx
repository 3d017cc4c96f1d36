import { useEffect } from 'react';
import { api, type SetupStatus } from '../api.js';
import { ApiKeys } from '../features/access/ApiKeys.js';
import { useSession } from '../features/access/session.js';
import { Profile } from '../features/access/Profile.js';
import { Users } from '../features/access/Users.js';
import { Audit } from '../features/audit/Audit.js';
import { MessageDetail } from '../features/outbox/MessageDetail.js';
import { Messages } from '../features/outbox/Messages.js';
import { ContactAutoReply } from '../features/notify/ContactAutoReply.js';
import { EventDetail } from '../features/notify/EventDetail.js';
import { Events } from '../features/notify/Events.js';
import { Reports } from '../features/notify/Reports.js';
import { RuleEditor } from '../features/notify/RuleEditor.js';
import { Rules } from '../features/notify/Rules.js';
import { Routing } from '../features/routing/Routing.js';
import { SmtpRelay } from '../features/relay/SmtpRelay.js';
import { SecretProviders } from '../features/secrets/SecretProviders.js';
import { Settings } from '../features/routing/Settings.js';
import { AccountEdit } from '../features/senders/AccountEdit.js';
import { Accounts } from '../features/senders/Accounts.js';
import { Domains } from '../features/senders/Domains.js';
import { ServerEdit } from '../features/senders/ServerEdit.js';
import { Servers } from '../features/senders/Servers.js';
import { Setup } from '../features/setup/Setup.js';
import { BLOCKING } from '../features/setup/SetupBanner.js';
import { LayoutEditor } from '../features/templates/LayoutEditor.js';
import { TemplateEditor } from '../features/templates/TemplateEditor.js';
import { Templates } from '../features/templates/Templates.js';
import { WebhookDetail } from '../features/webhooks/WebhookDetail.js';
import { Webhooks } from '../features/webhooks/Webhooks.js';
import { Suppressions } from '../features/inbound/Suppressions.js';
import { Link, match, navigate, useLocation } from '../router.js';
import { Empty, Spinner } from '../ui/index.js';

/** "/" sends an admin to the wizard while Mailroom cannot send mail yet, everyone else (and an admin otherwise) to the log. */
function Home() {
  const { can } = useSession();
  useEffect(() => {
    let live = true;
    const go = (to: string) => live && navigate(to, { replace: true });
    if (!can('admin')) go('/messages');
    else
      // Deliberately narrower than `complete`: only the gaps that stop mail (no server, no active
      // account: the banner's "cannot send mail yet") need the wizard. With mail going out, the
      // other gaps (no default sender, a purpose without a sender, DKIM, SPF, a readable key file,
      // the log driver) are the banner's to list on every page, each with its link (the wizard's
      // among them); most are nothing the wizard fixes, and an admin would land on it at every
      // sign-in until they are gone (a deploy-time server and account, the log driver).
      api.get<SetupStatus>('/setup/status').then(
        (s) => go(s.missing.some((m) => BLOCKING.includes(m.code)) ? '/setup' : '/messages'),
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
  if (match('/templates', path)) return <Templates />;
  if ((p = match('/templates/layouts/:key', path))) return <LayoutEditor key={p.key} layoutKey={p.key} />;
  if ((p = match('/templates/:key', path))) return <TemplateEditor key={p.key} templateKey={p.key} />;
  if (match('/rules', path)) return <Rules />;
  // One key for every rule: creating one moves /rules/new to /rules/:id, and a remount there lost its "Saved." (RuleEditor follows the id).
  if ((p = match('/rules/:id', path))) return <RuleEditor key="rule" id={p.id} />;
  if (match('/events', path)) return <Events />;
  if ((p = match('/events/:id', path))) return <EventDetail key={p.id} id={p.id} />;
  if (match('/contact-auto-reply', path)) return <ContactAutoReply />;
  if (match('/reports', path)) return <Reports />;
  if (match('/domains', path)) return <Domains />;
  if (match('/settings', path)) return <Settings />;
  if (match('/webhooks', path)) return <Webhooks />;
  if ((p = match('/webhooks/:id', path))) return <WebhookDetail key={p.id} id={p.id} />;
  if (match('/audit', path)) return <Audit />;
  if (match('/profile', path)) return <Profile />;
  if (match('/users', path)) return <Users />;
  if (match('/api-keys', path)) return <ApiKeys />;
  if (match('/smtp-relay', path)) return <SmtpRelay />;
  if (match('/secrets', path)) return <SecretProviders />;
  if (match('/suppressions', path)) return <Suppressions />;
  return <NotFound />;
}
