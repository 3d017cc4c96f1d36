import { Link } from '../../router.js';
import { Field, FieldError, fieldIsAt, Notice } from '../../ui/index.js';
import type { ErrorAt } from './SecurityFields.js';

/** The form's view of a direct server: port, TLS rules and per-domain limits, as text inputs. */
export interface DirectValue {
  port: string;
  requireTls: boolean;
  /** One domain per line. */
  requireTlsDomains: string;
  maxConnectionsPerDomain: string;
  perDomainPerMinute: string;
  /** Empty: the machine's host name. */
  ehloName: string;
  /** One address per line. */
  publicAddresses: string;
}

export const DIRECT_DEFAULTS: DirectValue = { port: '25', requireTls: false, requireTlsDomains: '', maxConnectionsPerDomain: '2', perDomainPerMinute: '', ehloName: '', publicAddresses: '' };

/** One entry per line (or separated by spaces or commas), lower-cased: domains, addresses. */
export function domainLines(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** Whether the API's refusal of `field` is said at one of these fields, as they show `value`. */
export function refusedInDirect(field: string | null, value: DirectValue): boolean {
  const at = (p: string) => fieldIsAt(field, p);
  return (
    at('smtp.port') ||
    at('smtp.requireTls') ||
    at('smtp.direct.ehloName') ||
    at('smtp.direct.publicAddresses') ||
    at('smtp.direct.maxConnectionsPerDomain') ||
    at('smtp.direct.perDomainPerMinute') ||
    (!value.requireTls && at('smtp.direct.requireTlsDomains'))
  );
}

const invalid = (message: string | null) => (message ? true : undefined);

/**
 * A direct server has no host and no login: Mailroom looks up each recipient domain's mail
 * exchanger. What matters then is said up front: receivers judge this machine by its own
 * address (SPF, reverse DNS) and by DKIM, and port 25 must be reachable outbound.
 */
export function DirectFields({ value, onChange, idPrefix, errorAt = () => null }: { value: DirectValue; onChange: (v: DirectValue) => void; idPrefix: string; errorAt?: ErrorAt }) {
  const set = (patch: Partial<DirectValue>) => onChange({ ...value, ...patch });
  const err = {
    ehlo: errorAt('smtp.direct.ehloName'),
    addr: errorAt('smtp.direct.publicAddresses'),
    port: errorAt('smtp.port'),
    conn: errorAt('smtp.direct.maxConnectionsPerDomain'),
    rate: errorAt('smtp.direct.perDomainPerMinute'),
    requireTls: errorAt('smtp.requireTls'),
    domains: errorAt('smtp.direct.requireTlsDomains'),
  };
  return (
    <>
      <div className="field-wide">
        <Notice kind="warning">
          <strong>Direct delivery sends from this machine's own address.</strong> Receivers will check it: publish an SPF record that covers this machine's public address, sign with{' '}
          <Link to="/domains">DKIM</Link> for every sender domain (check them under Domains), give the address a reverse DNS name, and make sure outbound port 25 is open (many clouds and home
          connections block it). Without these, most mailbox providers file the mail as spam or refuse it.
        </Notice>
      </div>
      <Field label="EHLO name" id={`${idPrefix}-dehlo`} hint="The fully qualified name Mailroom greets exchangers with; make it the reverse DNS name of the public address. Empty: this machine's host name.">
        <input id={`${idPrefix}-dehlo`} value={value.ehloName} onChange={(e) => set({ ehloName: e.target.value })} placeholder="mail.example.com" spellCheck={false} autoCapitalize="off" aria-invalid={invalid(err.ehlo)} />
        <FieldError id={`${idPrefix}-dehlo-error`} message={err.ehlo} />
      </Field>
      <Field
        label="Public addresses"
        id={`${idPrefix}-daddr`}
        hint="One per line: the IPv4/IPv6 addresses exchangers see this machine connect from. The setup banner then warns when a sender domain's SPF does not cover them."
      >
        <textarea id={`${idPrefix}-daddr`} rows={2} value={value.publicAddresses} onChange={(e) => set({ publicAddresses: e.target.value })} placeholder="203.0.113.7" spellCheck={false} autoCapitalize="off" aria-invalid={invalid(err.addr)} />
        <FieldError id={`${idPrefix}-daddr-error`} message={err.addr} />
      </Field>
      {!value.publicAddresses.trim() ? (
        <div className="field-wide">
          <Notice kind="info">SPF cannot be checked without the public addresses: Mailroom cannot see the address exchangers see it connect from (a NAT or firewall hides it).</Notice>
        </div>
      ) : null}
      <Field label="Port" id={`${idPrefix}-dport`} hint="25 for every exchanger; change it only where the network redirects port 25.">
        <input id={`${idPrefix}-dport`} type="number" min={1} max={65535} required value={value.port} onChange={(e) => set({ port: e.target.value })} aria-invalid={invalid(err.port)} />
        <FieldError id={`${idPrefix}-dport-error`} message={err.port} />
      </Field>
      <Field label="Connections per domain" id={`${idPrefix}-dconn`} hint="1–50 at once to one recipient domain (big providers throttle senders that open many).">
        <input id={`${idPrefix}-dconn`} type="number" min={1} max={50} required value={value.maxConnectionsPerDomain} onChange={(e) => set({ maxConnectionsPerDomain: e.target.value })} aria-invalid={invalid(err.conn)} />
        <FieldError id={`${idPrefix}-dconn-error`} message={err.conn} />
      </Field>
      <Field label="Messages per minute per domain" id={`${idPrefix}-drate`} hint="Empty for no limit. Over it, a domain's recipients wait for the next attempt.">
        <input id={`${idPrefix}-drate`} type="number" min={1} max={100000} value={value.perDomainPerMinute} onChange={(e) => set({ perDomainPerMinute: e.target.value })} aria-invalid={invalid(err.rate)} />
        <FieldError id={`${idPrefix}-drate-error`} message={err.rate} />
      </Field>
      <div className="field checkbox-field field-wide">
        <label>
          <input type="checkbox" checked={value.requireTls} onChange={(e) => set({ requireTls: e.target.checked })} aria-invalid={invalid(err.requireTls)} /> Require TLS with a valid certificate for every domain
        </label>
        <FieldError id={`${idPrefix}-drequiretls-error`} message={err.requireTls} />
        <small className="hint">
          Off: STARTTLS whenever the exchanger offers it (any certificate), plain text otherwise, as mail servers do; domains that publish an MTA-STS policy in enforce mode get verified TLS or
          nothing either way.
        </small>
      </div>
      {!value.requireTls ? (
        <Field label="Domains that require TLS" id={`${idPrefix}-ddomains`} hint="One per line: mail to these domains goes only over STARTTLS with a certificate valid for the exchanger's name.">
          <textarea id={`${idPrefix}-ddomains`} rows={3} value={value.requireTlsDomains} onChange={(e) => set({ requireTlsDomains: e.target.value })} placeholder="partner.example" spellCheck={false} autoCapitalize="off" aria-invalid={invalid(err.domains)} />
          <FieldError id={`${idPrefix}-ddomains-error`} message={err.domains} />
        </Field>
      ) : null}
    </>
  );
}
