import { useState, type FormEvent } from 'react';
import { api, type TestEmailQueued } from '../../api.js';
import { useAction } from '../../hooks.js';
import { ErrorBox, Field } from '../../ui/index.js';
import { useSession } from '../access/session.js';
import { MessageWatch } from '../outbox/MessageWatch.js';

/** "Send test to me": the saved template with its sample data, through the outbox, followed until sent or failed. */
export function TemplateTest({ templateKey, locale, dirty }: { templateKey: string; locale: string; dirty: boolean }) {
  const { info } = useSession();
  const [to, setTo] = useState('');
  const [sent, setSent] = useState<{ messageId: string; to: string } | null>(null);
  const send = useAction();
  const me = info.user?.email ?? null;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSent(null);
    const address = to.trim();
    const r = await send.run(() => api.post<TestEmailQueued>(`/templates/${encodeURIComponent(templateKey)}/test`, { locale, ...(address ? { to: address } : {}) }));
    if (r) setSent({ messageId: r.messageId, to: address || (me ?? '') });
  };

  return (
    <section className="card" aria-labelledby="tpl-test-h">
      <h2 id="tpl-test-h">Send a test</h2>
      <form onSubmit={submit} aria-label="Send a test" className="narrow-form">
        <Field label="Send to" id="tpl-test-to" hint={me ? `Empty: to you (${me}). The ${locale} version, with the sample data.` : `The ${locale} version, with the sample data.`}>
          <input id="tpl-test-to" type="email" value={to} onChange={(e) => setTo(e.target.value)} placeholder={me ?? 'you@example.com'} required={!me} />
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn" disabled={send.busy || dirty}>
            {send.busy ? 'Sending…' : to.trim() ? 'Send test' : 'Send test to me'}
          </button>
          {dirty ? <span className="muted small">Save first: a test sends the saved version.</span> : null}
        </div>
        <ErrorBox error={send.error} title="Not sent" />
        {sent ? <MessageWatch key={sent.messageId} messageId={sent.messageId} label={sent.to} /> : null}
      </form>
    </section>
  );
}
