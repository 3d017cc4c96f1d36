import { useState } from 'react';
import type { NewSmtpCredential, RelayStatus } from '../../api.js';
import { CopyButton, ShownOnceGuard, TabPanel, Tabs, useCopied, useFocusOnMount } from '../../ui/index.js';
import { SendingNote, sendableFrom } from './SendingNote.js';
import { certificateHolds, exampleFrom, FRAMEWORKS, relayHost, snippet, type Framework } from './snippets.js';

/**
 * A credential just made (or its password just rotated): where to connect, the username and the
 * password, shown this once, each with a copy button, and the settings for common frameworks.
 * Until the password is copied (alone, or in a framework's settings, which hold it), leaving the
 * page or a password in its place asks first. One that logs in by address has none to lose.
 */
export function NewCredentialSecret({ credential: c, status, onDone }: { credential: NewSmtpCredential; status: RelayStatus | undefined; onDone(): void }) {
  // Shown once, above the credentials list: it takes the focus, which brings it into view (see ui/ShownOnce).
  const focusHere = useFocusOnMount<HTMLElement>();
  const { copied, markCopied } = useCopied(c.password ?? '');
  const [framework, setFramework] = useState<Framework>('Django');
  const starttls = status?.listeners.find((l) => l.tls === 'starttls');
  const implicit = status?.listeners.find((l) => l.tls === 'implicit');
  const names = status?.certificate?.names ?? [];
  const host = relayHost(status?.host ?? null, window.location.hostname, names);
  const connection = starttls
    ? { host, port: starttls.port, from: exampleFrom(sendableFrom(c)), selfSigned: status?.certificate?.source === 'self-signed', ...(c.password ? { username: c.username, password: c.password } : {}) }
    : null;
  const rows: [string, string][] = [
    ...(starttls ? ([['Host', host], ['Port (STARTTLS)', String(starttls.port)]] as [string, string][]) : []),
    ...(implicit ? ([['Port (implicit TLS)', String(implicit.port)]] as [string, string][]) : []),
    ...(c.password ? ([['Username', c.username], ['Password', c.password]] as [string, string][]) : []),
  ];
  const code = connection ? snippet(framework, connection) : '';
  return (
    <section className="card key-once" aria-labelledby="smtp-once-h" data-testid="new-smtp-credential" tabIndex={-1} ref={focusHere}>
      <h2 id="smtp-once-h">{c.password ? `SMTP login for “${c.name}”` : `“${c.name}” logs in by client address`}</h2>
      {c.password ? (
        <p>
          <strong>Copy the password now: it is shown this once and never again.</strong> Mailroom stores only a hash; if it is lost, rotate it.
        </p>
      ) : (
        <p>
          No password: sessions from {c.allowedIps.join(', ')} act as this credential without AUTH. Applications only need the host and port.
        </p>
      )}
      {!starttls ? <p className="muted">The relay is off, so there is no host and port to show yet (set MAILROOM_RELAY_PORT).</p> : null}
      {c.sending?.problem || c.sending?.refusedFrom.length ? <SendingNote credential={c} /> : null}
      <table className="headers-table">
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>
                <code className={k === 'Password' ? 'secret' : undefined} aria-label={k} onCopy={k === 'Password' ? markCopied : undefined}>
                  {v}
                </code>{' '}
                <CopyButton text={v} label={`Copy the ${k.toLowerCase()}`} onCopied={k === 'Password' ? markCopied : undefined} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {starttls && names.length ? (
        <p className="muted" data-testid="relay-certificate-names">
          {certificateHolds(names, host)
            ? `Applications must connect by a name the relay's certificate holds (${names.join(', ')}): one that checks the name refuses any other.`
            : `The relay's certificate holds ${names.join(', ')}, not ${host}: an application that checks the name refuses the connection. Connect by one of those names, or give the relay a certificate for ${host} (MAILROOM_RELAY_TLS_CERT).`}
        </p>
      ) : null}
      {connection ? (
        <>
          <h3>Settings for your application</h3>
          <Tabs id="relay-framework" label="Framework" tabs={FRAMEWORKS} current={framework} onSelect={setFramework} />
          <TabPanel id="relay-framework" current={framework}>
            <pre className="body-text" data-testid="smtp-snippet" onCopy={c.password ? markCopied : undefined}>
              {code}
            </pre>
            <CopyButton text={code} label={`Copy the ${framework} settings`} onCopied={c.password ? markCopied : undefined} />
          </TabPanel>
        </>
      ) : null}
      <div className="form-actions">
        <button type="button" className="btn" onClick={onDone}>
          Done
        </button>
      </div>
      {c.password ? <ShownOnceGuard copied={copied} what={`the password of “${c.name}”`} /> : null}
    </section>
  );
}
