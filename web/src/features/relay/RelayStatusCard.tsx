import type { RelayStatus } from '../../api.js';
import { formatDate } from '../../format.js';
import type { Resource } from '../../hooks.js';
import { Badge, CopyButton, ErrorBox, Notice, Spinner } from '../../ui/index.js';

/** A certificate this close to its end is shown as a warning. */
const EXPIRY_WARNING_DAYS = 30;

/** Whether the relay listens, where, and the certificate a client sees (fingerprint, expiry, download). */
export function RelayStatusCard({ status }: { status: Resource<RelayStatus> }) {
  const s = status.data;
  if (!s) return status.error ? <ErrorBox error={status.error} title="Relay status" /> : <Spinner />;
  if (!s.enabled) {
    return (
      <Notice kind="info">
        <strong>The SMTP relay is off.</strong> Set <code>MAILROOM_RELAY_PORT</code> (587 or 2587 are usual; <code>MAILROOM_RELAY_HOST</code> to listen beyond this machine) and restart Mailroom.
        Credentials made now work once it is on.
      </Notice>
    );
  }
  const c = s.certificate;
  const daysLeft = c ? Math.floor((Date.parse(c.expiresAt) - Date.now()) / 86_400_000) : null;
  return (
    <section className="card" aria-labelledby="relay-status-h" data-testid="relay-status">
      <h2 id="relay-status-h">Relay</h2>
      <dl className="facts">
        <dt>Listening</dt>
        <dd>
          {s.listeners.map((l) => (
            <div key={l.port}>
              <code>
                {s.host}:{l.port}
              </code>{' '}
              {l.tls === 'starttls' ? 'STARTTLS' : 'implicit TLS'} {l.listening ? <Badge kind="ok">listening</Badge> : <Badge kind="bad">not listening</Badge>}
            </div>
          ))}
        </dd>
        {c ? (
          <>
            <dt>Certificate</dt>
            <dd>
              {c.source === 'self-signed' ? 'Self-signed, made by Mailroom: clients must trust it (download it) or pin its fingerprint.' : `From ${c.file}`}
              <div className="muted small">{c.subject}</div>
            </dd>
            <dt>SHA-256 fingerprint</dt>
            <dd>
              <code className="wrap" data-testid="relay-fingerprint">
                {c.fingerprint256}
              </code>{' '}
              <CopyButton text={c.fingerprint256} label="Copy the certificate fingerprint" />
            </dd>
            <dt>Valid until</dt>
            <dd>
              {formatDate(c.expiresAt)}{' '}
              {daysLeft !== null && daysLeft < EXPIRY_WARNING_DAYS ? (
                <Badge kind={daysLeft < 0 ? 'bad' : 'warn'}>{daysLeft < 0 ? 'expired' : `${daysLeft} days left`}</Badge>
              ) : null}
            </dd>
          </>
        ) : null}
        <dt>Running since</dt>
        <dd>{formatDate(s.startedAt)}</dd>
      </dl>
      {c ? (
        <a className="btn btn-small" href="/api/v1/relay/certificate" download="mailroom-relay.pem">
          Download certificate (PEM)
        </a>
      ) : null}
    </section>
  );
}
