import { useState } from 'react';
import type { MessageDetail } from '../../api.js';
import { TabPanel, Tabs } from '../../ui/index.js';
import { hasRemoteContent } from './remote-content.js';

/**
 * The HTML part comes from Mailroom as a document of its own (GET /api/v1/messages/:id/html)
 * under a CSP that keeps scripts off and remote content out (tracking pixels) until the admin
 * chooses to load it, per view, as mail clients do. The frame's sandbox="" adds: no scripts,
 * no forms, no popups, no same-origin access, no navigation of this page.
 */
function HtmlPart({ id, html }: { id: string; html: string }) {
  const [remote, setRemote] = useState(false);
  const asks = hasRemoteContent(html);
  return (
    <>
      {asks ? (
        <div className={remote ? 'alert alert-info remote-bar' : 'alert alert-warning remote-bar'} data-testid="remote-content">
          {remote ? (
            <>
              <span>Remote content is shown: its senders can see that and when this message was opened.</span>
              <button type="button" className="btn btn-small" onClick={() => setRemote(false)}>
                Block remote content
              </button>
            </>
          ) : (
            <>
              <span>Remote images and styles are blocked: loading them tells the sender that and when this message was opened.</span>
              <button type="button" className="btn btn-small" onClick={() => setRemote(true)}>
                Load remote content
              </button>
            </>
          )}
        </div>
      ) : null}
      <iframe
        key={remote ? 'remote' : 'blocked'}
        title="HTML part"
        className="html-frame"
        sandbox=""
        src={`/api/v1/messages/${encodeURIComponent(id)}/html${remote ? '?remote=true' : ''}`}
        referrerPolicy="no-referrer"
      />
    </>
  );
}

/** A message's content in tabs: the HTML part (sandboxed), the text part and the headers. */
export function MessageContent({ message: m }: { message: MessageDetail }) {
  const [tab, setTab] = useState<'html' | 'text' | 'headers'>('html');
  // A received message's header is kept whole, a field it repeats one value per line: a row each,
  // as in its source. For outbound mail the log keeps the caller's own fields, with the
  // Message-ID and the envelope sender stored beside them.
  const own = Object.entries(m.headers).flatMap(([k, v]) => v.split('\n').map((line) => [k, line] as [string, string]));
  const isMessageId = ([k]: [string, string]) => k.toLowerCase() === 'message-id';
  // A message the SMTP relay took without a Message-ID has Mailroom's among its own fields too
  // (added in front of the application's MIME): one row, first, with the value that went out.
  const messageId = own.find(isMessageId)?.[1] ?? m.messageIdHeader;
  const headers: [string, string][] =
    m.direction === 'in'
      ? own
      : [
          ...(messageId ? [['Message-ID', messageId] as [string, string]] : []),
          ...(m.envelopeFrom ? [['Envelope-From (MAIL FROM)', m.envelopeFrom] as [string, string]] : []),
          ...own.filter((h) => !isMessageId(h)),
        ];
  const html = m.html;
  const activeTab = tab === 'html' && !html ? 'text' : tab;

  return (
    <section className="card" aria-label="Content">
      <Tabs
        id="message-content"
        label="Message content"
        tabs={['html', 'text', 'headers'] as const}
        current={activeTab}
        onSelect={setTab}
        labelOf={(t) => (t === 'html' ? 'HTML' : t === 'text' ? 'Text' : `Headers (${headers.length})`)}
        unavailable={(t) => t === 'html' && !html}
      />
      <TabPanel id="message-content" current={activeTab}>
        {activeTab === 'html' && html ? <HtmlPart id={m.id} html={html} /> : null}
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
      </TabPanel>
    </section>
  );
}
