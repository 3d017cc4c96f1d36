import { useLayoutEffect, useRef, useState } from 'react';
import type { MailAccount, MailServer } from '../../api.js';
import { Link } from '../../router.js';
import { ChoiceSelect, errorFor, Field, FieldError, fieldIsAt, type Choice } from '../../ui/index.js';

type Inbound = NonNullable<MailAccount['inbound']>;
type AfterProcessing = Inbound['afterProcessing'];

/**
 * Reading the account's mailbox over IMAP (replies, bounces, confirmed test emails): exactly the
 * account's `inbound` object of the API. Where IMAP is (host, port, encryption, certificate
 * check) belongs to the server and is only shown here; the login is the account's own.
 */
export interface InboundDraft {
  enabled: boolean;
  /** One folder per line: IMAP folder names may hold commas and spaces. */
  folders: string;
  afterProcessing: AfterProcessing;
  moveTo: string;
}

export function inboundDraft(s: Inbound | null | undefined): InboundDraft {
  return { enabled: s?.enabled ?? false, folders: (s?.folders ?? ['INBOX']).join('\n'), afterProcessing: s?.afterProcessing ?? 'none', moveTo: s?.moveTo ?? '' };
}

/**
 * The `inbound` object to send, or undefined when the draft is what is stored (so an untouched
 * section never marks an env-sourced account overridden). No folder typed: the API's default
 * (INBOX). Everything else goes as typed, and the API judges it.
 */
export function inboundBody(d: InboundDraft, stored: Inbound | null | undefined): Partial<Inbound> | undefined {
  if (JSON.stringify(d) === JSON.stringify(inboundDraft(stored))) return undefined;
  const folders = d.folders
    .split('\n')
    .map((f) => f.trim())
    .filter(Boolean);
  return {
    enabled: d.enabled,
    ...(folders.length ? { folders } : {}),
    afterProcessing: d.afterProcessing,
    moveTo: d.afterProcessing === 'move' ? d.moveTo.trim() || null : null,
  };
}

const AFTER: Choice<AfterProcessing>[] = [
  { value: 'none', label: 'Leave it as it is' },
  { value: 'flag', label: 'Mark it read (\\Seen)' },
  { value: 'move', label: 'Move it to a folder' },
];

const TRUST = { system: 'trusted certificate authorities', pinned: 'a pinned certificate', any: 'any certificate (not checked)' } as const;

interface Props {
  id: string;
  value: InboundDraft;
  onChange: (v: InboundDraft) => void;
  server: MailServer | undefined;
  /** The IMAP user name: the login, or the sender address. */
  login: string;
  field: string | null;
  error: string | null;
}

/**
 * Whether the API's refusal of `field` is said in this section, given what it shows: the section
 * itself (only the exact field "inbound": no IMAP on the server, say), the folders, and the
 * folder to move to while "Move it to a folder" shows that field. Anything else of `inbound` has
 * no field here, so the form says it under itself.
 */
export function refusedInInbound(field: string | null, value: InboundDraft): boolean {
  if (field === 'inbound') return true;
  return fieldIsAt(field, 'inbound.folders') || (value.afterProcessing === 'move' && fieldIsAt(field, 'inbound.moveTo'));
}

export function InboundFields({ id, value, onChange, server, login, field, error }: Props) {
  const set = (patch: Partial<InboundDraft>) => onChange({ ...value, ...patch });
  const imap = server?.imap;
  const message = (k: string) => errorFor(field, error, k);
  const sectionError = field === 'inbound' ? errorFor(field, error, 'inbound') : null;
  // Open at first when reading is on; afterwards the admin folds it (React must not fight the toggle).
  const [openAtFirst] = useState(value.enabled);
  // A refusal said in here is said nowhere else: a folded section opens to show it. Before the
  // message's own effect (a layout effect runs first), which moves the cursor to the field.
  const details = useRef<HTMLDetailsElement>(null);
  const refused = Boolean(error) && refusedInInbound(field, value);
  useLayoutEffect(() => {
    if (refused && details.current) details.current.open = true;
  }, [refused]);
  return (
    <details className="field-wide" open={openAtFirst || undefined} data-testid="inbound" ref={details}>
      <summary>Reading the mailbox (IMAP){value.enabled ? ' · on' : ''}</summary>
      <p className="hint">
        Mailroom reads the folders below for replies, bounces and confirmed test emails, and keeps each message in the email log. It never deletes mail.
      </p>
      <div className="field checkbox-field">
        <label>
          <input type="checkbox" checked={value.enabled} onChange={(e) => set({ enabled: e.target.checked })} aria-describedby={`${id}-inbound-server`} /> Read this
          account&apos;s mailbox
        </label>
        <small className="hint" id={`${id}-inbound-server`}>
          {imap ? (
            <>
              IMAP on the server: <code>{imap.host}:{imap.port}</code> ({imap.security === 'tls' ? 'implicit TLS' : imap.security === 'starttls' ? 'STARTTLS' : 'no encryption: this machine only'}),
              certificates checked against {TRUST[server.smtp.tlsTrust.mode]}. Logs in as <code>{login || 'the sender address'}</code> with the password above.{' '}
              <Link to={`/servers/${server.id}`}>Change on the server</Link>
            </>
          ) : server ? (
            <>
              The server has no IMAP section, so reading cannot be switched on: <Link to={`/servers/${server.id}`}>add its IMAP host on the server</Link> first.
            </>
          ) : (
            'Choose a server first.'
          )}
        </small>
        <FieldError id={`${id}-inbound-error`} message={sectionError} />
      </div>
      <div className="form-grid">
        <Field label="Folders to read" id={`${id}-inbound-folders`} hint="One per line, up to 10; each is read by its own reader. Empty: INBOX.">
          <textarea
            id={`${id}-inbound-folders`}
            rows={3}
            value={value.folders}
            onChange={(e) => set({ folders: e.target.value })}
            placeholder="INBOX"
            spellCheck={false}
            aria-invalid={message('inbound.folders') ? true : undefined}
          />
          <FieldError id={`${id}-inbound-folders-error`} message={message('inbound.folders')} />
        </Field>
        <Field label="After storing a message" id={`${id}-inbound-after`}>
          <ChoiceSelect id={`${id}-inbound-after`} choices={AFTER} value={value.afterProcessing} onChange={(afterProcessing) => set({ afterProcessing })} />
        </Field>
        {value.afterProcessing === 'move' ? (
          <Field label="Move to folder" id={`${id}-inbound-moveto`} hint="Must not be one of the folders read.">
            <input
              id={`${id}-inbound-moveto`}
              required
              maxLength={200}
              value={value.moveTo}
              onChange={(e) => set({ moveTo: e.target.value })}
              placeholder="Processed"
              spellCheck={false}
              autoCapitalize="off"
              aria-invalid={message('inbound.moveTo') ? true : undefined}
            />
            <FieldError id={`${id}-inbound-moveto-error`} message={message('inbound.moveTo')} />
          </Field>
        ) : null}
      </div>
    </details>
  );
}
