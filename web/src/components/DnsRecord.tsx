import type { DkimKey } from '../types.js';
import { CopyButton } from './CopyButton.js';

/** The TXT record a domain owner publishes for a DKIM key: name and value, each with a copy button. */
export function DnsRecord({ record }: { record: DkimKey['dnsRecord'] }) {
  return (
    <div className="dns-record" data-testid="dns-record">
      <dl className="facts">
        <dt>Type</dt>
        <dd>
          <code>{record.type}</code>
        </dd>
        <dt>Name</dt>
        <dd className="dns-line">
          <code className="dns-value" data-testid="dns-name">
            {record.name}
          </code>
          <CopyButton text={record.name} label="Copy record name" />
        </dd>
        <dt>Value</dt>
        <dd className="dns-line">
          <code className="dns-value" data-testid="dns-value">
            {record.value}
          </code>
          <CopyButton text={record.value} label="Copy record value" />
        </dd>
      </dl>
      {record.chunks.length > 1 ? (
        <details>
          <summary>DNS panel wants strings of at most 255 characters?</summary>
          <p className="muted small">Paste these quoted strings one after the other as the value; resolvers join them back into one.</p>
          <pre className="json">{record.chunks.map((c) => `"${c}"`).join('\n')}</pre>
          <CopyButton text={record.chunks.map((c) => `"${c}"`).join(' ')} label="Copy record value as quoted strings" />
        </details>
      ) : null}
    </div>
  );
}
