import { useState } from 'react';
import { api, type MailAccount, type MailServer, type Page } from '../../api.js';
import { useResource } from '../../hooks.js';
import { Link, navigate } from '../../router.js';
import { ErrorBox, Notice, PageHeader, Spinner } from '../../ui/index.js';
import { Gone } from '../../ui/Gone.js';
import { useItem } from '../../ui/useItem.js';
import { useSession } from '../access/session.js';
import { SendTestEmail } from '../outbox/SendTestEmail.js';
import { ImapTest } from '../probes/ImapTest.js';
import { useMailDriver } from '../routing/settings.js';
import { LogDriverLock } from './LogDriverLock.js';
import type { Preset } from './presets.js';
import { draftFrom, ServerForm } from './ServerForm.js';
import { ServerPresetPicker } from './ServerPresetPicker.js';

/** One server ("new": a form to add one), and for admins its IMAP test and a test email from one of its accounts. */
export function ServerEdit({ id }: { id: string }) {
  const { can } = useSession();
  const isNew = id === 'new';
  const driver = useMailDriver();
  const locked = driver === 'log';
  // Deleted elsewhere (a 404 from its reload: after a save, after a conflict's load): the page says so, with no form or tests left.
  const server = useItem(() => (isNew ? Promise.resolve(undefined) : api.get<MailServer>(`/servers/${id}`)), [id, isNew]);
  // Its accounts serve the admin's IMAP test and test email below: asked for only once the server
  // is there, so a server that does not exist gets its own "does not exist" and no second refusal
  // of the accounts request (a stale bookmark, a deleted server).
  const found = !isNew && can('admin') ? server.data?.id : undefined;
  // Again after each save: a change of host, port or encryption clears their stored passwords.
  const accounts = useResource(() => (found ? api.get<Page<MailAccount>>('/accounts', { serverId: found }) : Promise.resolve(undefined)), [found, server.data?.version]);
  const own = accounts.data?.items ?? [];
  const [preset, setPreset] = useState<Preset | null>(null);
  const editable = can('admin') && !locked;
  // The test email goes through the server as saved: edits in the form above are not used until saved.
  const [edited, setEdited] = useState(false);
  if (server.gone) return <Gone what="server" seen={!!server.data} back="/servers" backLabel="All servers" />;
  return (
    <>
      <PageHeader title={isNew ? 'Add mail server' : (server.data?.name ?? 'Mail server')} subtitle={<Link to="/servers">← All servers</Link>} />
      {locked ? <LogDriverLock /> : null}
      <ErrorBox error={server.error} />
      {server.loading && !isNew && !server.data ? <Spinner /> : null}
      {/* Only a new server: on a saved one a preset would overwrite what delivery uses now. */}
      {isNew && driver !== undefined && editable ? <ServerPresetPicker chosen={preset} onChoose={setPreset} /> : null}
      {/* The form waits for the driver, so it never shows editable fields that are about to lock. */}
      {driver !== undefined && (isNew || server.data) ? (
        <ServerForm
          // Not the version: a save keeps the form (focus, unfolded sections, "Saved.", a test's result); it restarts from what was saved itself.
          key={server.data?.id ?? `new-${preset?.id ?? ''}`}
          server={server.data}
          // Loaded after a conflict: the header and the cards below show what is stored too.
          onLoaded={server.reload}
          watch={server.watch}
          initial={isNew && preset ? draftFrom({ name: preset.name, smtp: preset.smtp }) : undefined}
          readOnly={!editable}
          // Created: the form's work is saved, and its own page shows it (nothing to ask about).
          onSaved={(s) => (isNew ? navigate(`/servers/${s.id}`, { replace: true, discardUnsaved: true }) : server.reload())}
          onCancel={editable ? () => navigate('/servers') : undefined}
          onDirtyChange={setEdited}
          // Loaded here for the tests below: the form counts the passwords a save clears from the same list.
          accounts={found ? accounts : undefined}
        />
      ) : null}
      {can('admin') && server.data && accounts.data ? (
        <>
          <ImapTest key={`imap-${server.data.version}`} server={server.data} accounts={own} />
          <section className="card" aria-labelledby="srv-send-h">
            <h2 id="srv-send-h">Send test email</h2>
            {own.length ? (
              <>
              <p className="muted small" data-testid="send-test-uses">
                Sends with this server’s saved settings.
              </p>
              {edited ? (
                <Notice kind="warning">
                  The server form above has unsaved changes: this test email does not use them. Save the changes first to send with them.
                </Notice>
              ) : null}
              <SendTestEmail accounts={own} idPrefix={`srv-${server.data.id}`} />
              </>
            ) : (
              <p className="muted">
                No account uses this server yet. <Link to="/accounts/new">Add an account</Link> to send through it.
              </p>
            )}
          </section>
        </>
      ) : null}
      {found ? <ErrorBox error={accounts.error} /> : null}
    </>
  );
}
