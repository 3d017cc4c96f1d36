import { useState } from 'react';
import type { MessageDetail } from '../../api.js';
import { HtmlFrame } from '../../ui/index.js';

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
          // Untrusted HTML (replies, bounces) cannot act: no scripts, forms or same-origin access.
          <HtmlFrame title="HTML part" html={html} />
        ) : null}
        {activeTab === 'text' ? <pre className="body-text">{m.text ?? '(no text part)'}</pre> : null}
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
