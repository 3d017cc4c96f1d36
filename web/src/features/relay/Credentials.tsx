import { useState } from 'react';
import { api, type NewSmtpCredential, type SmtpCredential } from '../../api.js';
import { formatBytes, formatDate } from '../../format.js';
import { useAction } from '../../hooks.js';
import { mayReplace } from '../../leave-guard.js';
import { useRemove, type ListResource } from '../../lists.js';
import { Badge, ConfirmButton, DataTable, Empty, ErrorBox, focusRow, ListState, WorkScope } from '../../ui/index.js';
import { CredentialForm } from './CredentialForm.js';
import { SendingNote } from './SendingNote.js';

/** The part of the page the open edit form is in: Edit on another row (or this one again) replaces it. */
const EDIT_FORM = 'smtp-credential-edit';

/**
 * The credentials: who may submit, as whom, with which limits; rotate, switch off, edit, delete.
 * `askFirst`, before a rotation, may stop it (its password would replace one shown, not copied).
 */
export function Credentials({ list, askFirst, onRotated }: { list: ListResource<SmtpCredential>; askFirst(): Promise<boolean>; onRotated(c: NewSmtpCredential): void }) {
  const [editing, setEditing] = useState<string | null>(null);
  /**
   * One edit form at a time, under its row: Edit on another row (or closing this one) asks
   * first while the open form holds typed changes. Asked rather than kept open beside the next:
   * two forms under two rows, each with its own Save, read as one edit and hide which is which.
   */
  const openEdit = async (id: string | null) => {
    if (await mayReplace(EDIT_FORM)) setEditing(id);
  };
  const del = useRemove(list, (c: SmtpCredential) => `/smtp-credentials/${c.id}`);
  const act = useAction();
  const rotate = async (c: SmtpCredential) => {
    if (!(await askFirst())) return;
    const r = await act.run(() => api.post<NewSmtpCredential>(`/smtp-credentials/${c.id}/rotate`));
    if (r) {
      list.reload();
      onRotated(r);
    }
  };
  const toggle = async (c: SmtpCredential) => {
    if (await act.run(() => api.patch(`/smtp-credentials/${c.id}`, { enabled: !c.enabled, version: c.version }))) list.reload();
  };
  return (
    <>
      <ErrorBox error={del.error ?? act.error} />
      <ListState list={list} empty={<Empty title="No SMTP credential yet">Create one below for each application that sends mail over SMTP.</Empty>}>
        <DataTable
          rows={list.items}
          rowKey={(c) => c.id}
          rowProps={(c) => ({ className: c.enabled ? undefined : 'revoked' })}
          columns={[
            {
              header: 'Application',
              cell: (c) => (
                <>
                  <strong>{c.name}</strong>
                  <div className="muted small">
                    {c.authentication === 'password' ? (
                      <>
                        username <code>{c.username}</code>
                      </>
                    ) : (
                      <>logs in by client address</>
                    )}
                  </div>
                </>
              ),
            },
            { header: 'May send as', cell: (c) => c.allowedFrom.join(', ') },
            {
              header: 'Routing',
              cell: (c) => (
                <>
                  {[c.purpose ? `purpose ${c.purpose}` : null, c.accountId ? 'pinned account' : null].filter(Boolean).join(', ') || 'default'}
                  <SendingNote credential={c} />
                </>
              ),
            },
            {
              header: 'Limits',
              cell: (c) => (
                <span className="small">
                  ≤ {formatBytes(c.maxMessageBytes)} · {c.maxRecipients} recipients{c.perMinute ? ` · ${c.perMinute}/min` : ''}
                  {c.allowedIps.length ? <div className="muted">from {c.allowedIps.join(', ')}</div> : null}
                </span>
              ),
            },
            { header: 'State', cell: (c) => (c.enabled ? <Badge kind="ok">on</Badge> : <Badge>off</Badge>) },
            { header: 'Last used', cell: (c) => (c.lastUsedAt ? formatDate(c.lastUsedAt) : 'never') },
          ]}
          actions={(c) => (
            // Four buttons on one line made the table wider than its box at 1280 px: they wrap.
            <div className="row-actions-wrap">
              <button type="button" className="btn btn-small" onClick={() => void openEdit(editing === c.id ? null : c.id)} aria-expanded={editing === c.id}>
                Edit<span className="sr-only"> {c.name}</span>
              </button>
              <button type="button" className="btn btn-small" onClick={() => void toggle(c)} disabled={act.busy}>
                {c.enabled ? 'Switch off' : 'Switch on'}
                <span className="sr-only"> {c.name}</span>
              </button>
              {c.authentication === 'password' ? (
                <ConfirmButton label="Rotate password" srLabel={`of ${c.name}`} className="btn btn-small" question={`New password for “${c.name}”? The current one stops working at once.`} onConfirm={() => void rotate(c)} />
              ) : null}
              <ConfirmButton label="Delete" srLabel={c.name} className="btn btn-small btn-danger" question={`Delete “${c.name}”? The application can no longer send.`} onConfirm={() => void del.remove(c)} />
            </div>
          )}
          below={(c) =>
            editing === c.id ? (
              <tr>
                <td colSpan={7}>
                  <WorkScope name={EDIT_FORM}>
                    <CredentialForm
                      editing={c}
                      // The form goes with the button that had the focus: the reader goes on from the credential's row, not the page's start.
                      onCancel={() => {
                        setEditing(null);
                        focusRow(c.id);
                      }}
                      onSaved={() => {
                        setEditing(null);
                        list.reload();
                        focusRow(c.id);
                      }}
                      // Loaded after a conflict: the row above shows what is stored too.
                      onLoaded={list.reload}
                    />
                  </WorkScope>
                </td>
              </tr>
            ) : null
          }
        />
      </ListState>
    </>
  );
}
