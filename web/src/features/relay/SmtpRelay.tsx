import { useState } from 'react';
import { api, type NewSmtpCredential, type RelayStatus, type SmtpCredential } from '../../api.js';
import { useResource } from '../../hooks.js';
import { useList } from '../../lists.js';
import { mayReplace } from '../../leave-guard.js';
import { focusRow, PageHeader, WorkScope } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { CredentialForm } from './CredentialForm.js';
import { Credentials } from './Credentials.js';
import { NewCredentialSecret } from './NewCredentialSecret.js';
import { Rejections } from './Rejections.js';
import { RelayStatusCard } from './RelayStatusCard.js';

/** The part of the page the password shown once is in: a new credential's or a rotated password replaces it. */
const SHOWN_LOGIN = 'new-smtp-login';
/** Asked before a new password takes the place of the one shown, while that one is not copied. */
const mayReplaceShown = () => mayReplace(SHOWN_LOGIN);

/** The SMTP relay: its state, the applications' credentials (admins), and what it refused. */
export function SmtpRelay() {
  const { can } = useSession();
  const isAdmin = can('admin');
  const status = useResource(() => api.get<RelayStatus>('/relay/status'), []);
  const [shown, setShown] = useState<NewSmtpCredential | null>(null);
  return (
    <>
      <PageHeader title="SMTP relay" subtitle="Applications that only speak SMTP send through Mailroom: the same queue, routing, retries, DKIM and log as the API." />
      <RelayStatusCard status={status} />
      {shown ? (
        <WorkScope name={SHOWN_LOGIN}>
          <NewCredentialSecret
            credential={shown}
            status={status.data}
            onDone={() => {
              setShown(null);
              // The reader goes on from the credential's row, not the page's start.
              focusRow(shown.id);
            }}
          />
        </WorkScope>
      ) : null}
      {isAdmin ? <AdminPart onShow={setShown} /> : <Rejections credentialName={() => null} />}
    </>
  );
}

function AdminPart({ onShow }: { onShow(c: NewSmtpCredential): void }) {
  const list = useList<SmtpCredential>('/smtp-credentials');
  const nameOf = (id: string | null) => list.items.find((c) => c.id === id)?.name ?? null;
  return (
    <>
      <h2 className="section-title">Credentials</h2>
      <Credentials list={list} askFirst={mayReplaceShown} onRotated={onShow} />
      <CredentialForm
        askFirst={mayReplaceShown}
        onCreated={(c) => {
          list.reload();
          onShow(c);
          window.scrollTo({ top: 0 });
        }}
      />
      <Rejections credentialName={nameOf} />
    </>
  );
}
