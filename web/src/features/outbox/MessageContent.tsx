import { useState } from 'react';
import type { MessageDetail } from '../../api.js';

/** Also blocks remote images and fonts (tracking pixels) inside the sandboxed preview. */
const CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'">`;

/** A message's content in tabs: the HTML part (sandboxed), the text part and the headers. */
export function MessageContent({ message: m }: { message: MessageDetail }) {
  const [tab, setTab] = useState<'html' | 'text' | 'headers'>('html');
  // The log keeps the caller's own headers; Message-ID and the envelope sender are stored beside them.
  const headers: [string, string][] = [
    ...(m.messageIdHeader ? [['Message-ID', m.messageIdHeader] as [string, string]] : []),
    ...(m.envelopeFrom ? [['Envelope-From (MAIL FROM)', m.envelopeFrom] as [string, string]] : []),
    ...Object.entries(m.headers),
  ];
  const html = m.html;
  const activeTab = tab === 'html' && !html ? 'text' : tab;

  return (
    <section className="card" aria-label="Content">
      <div className="tabs" role="tablist" aria-label="Message content">
        {(['html', 'text', 'headers'] as const).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={activeTab === t} className={activeTab === t ? 'tab active' : 'tab'} onClick={() => setTab(t)} disabled={t === 'html' && !html}>
            {t === 'html' ? 'HTML' : t === 'text' ? 'Text' : `Headers (${headers.length})`}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {activeTab === 'html' && html ? (
          // sandbox="" : no scripts, no forms, no same-origin access: untrusted HTML (replies, bounces) cannot act.
          <iframe title="HTML part" className="html-frame" sandbox="" srcDoc={CSP + html} referrerPolicy="no-referrer" />
        ) : null}
        {activeTab === 'text' && m.rawBytes !== null && m.text === null ? (
          <p>
            Sent as the application composed it ({m.rawBytes.toLocaleString('en')} bytes of MIME), with Mailroom's own header fields in front (see Headers).{' '}
            <a href={`/api/v1/messages/${encodeURIComponent(m.id)}/raw`} download>
              Download the message (.eml)
            </a>
          </p>
        ) : activeTab === 'text' ? (
          <pre className="body-text">{m.text ?? '(no text part)'}</pre>
        ) : null}
        {activeTab === 'headers' ? (
          headers.length ? (
            <table className="headers-table">
              <tbody>
                {headers.map(([k, v], i) => (
                  <tr key={`${k}-${i}`}>
                    <th scope="row">{k}</th>
                    <td>{v}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No headers stored.</p>
          )
        ) : null}
      </div>
    </section>
  );
}
