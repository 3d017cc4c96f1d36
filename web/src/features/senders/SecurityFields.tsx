import type { SmtpSecurity, TlsTrustMode } from '../../api.js';
import { Field } from '../../ui/index.js';

export interface SecurityValue {
  port: string;
  security: SmtpSecurity;
  requireTls: boolean;
  trustMode: TlsTrustMode;
  fingerprint: string;
  certificate: string;
}

/** The choices under *Encryption*: their labels are how the UI names the API's `security` values everywhere (encryption-words.ts). */
export const ENCRYPTION_OPTIONS: { value: SmtpSecurity; label: string; port: number; help: string }[] = [
  { value: 'starttls', label: 'STARTTLS', port: 587, help: 'Connects in plain text and upgrades to TLS before logging in. The usual choice (port 587).' },
  { value: 'tls', label: 'Implicit TLS (SSL)', port: 465, help: 'TLS from the first byte (port 465). The session is always encrypted.' },
  { value: 'none', label: 'No encryption', port: 25, help: 'Only for a relay on your own network (port 25). Passwords would travel in clear text.' },
];

const DEFAULT_PORTS = new Set(['', '25', '465', '587']);

/**
 * One choice for the encryption mode instead of independent "SSL" and "TLS" checkboxes, so
 * the form cannot describe a contradictory connection: "require TLS" only exists for
 * STARTTLS (implicit TLS is always encrypted, "none" never is), and picking a mode moves a
 * standard port along with it.
 */
export function SecurityFields({ value, onChange, idPrefix, imapEncrypted = false }: { value: SecurityValue; onChange: (v: SecurityValue) => void; idPrefix: string; imapEncrypted?: boolean }) {
  const set = (patch: Partial<SecurityValue>) => onChange({ ...value, ...patch });
  const pick = (security: SmtpSecurity) => {
    const opt = ENCRYPTION_OPTIONS.find((o) => o.value === security)!;
    set({
      security,
      port: DEFAULT_PORTS.has(value.port) ? String(opt.port) : value.port,
      requireTls: security === 'starttls' ? value.requireTls || value.security !== 'starttls' : security === 'tls',
    });
  };
  const mismatch =
    (value.security === 'tls' && value.port === '587') || (value.security === 'starttls' && value.port === '465')
      ? `Port ${value.port} usually expects ${value.port === '465' ? 'implicit TLS' : 'STARTTLS'}.`
      : null;

  return (
    <>
      <fieldset className="field field-wide">
        <legend>Encryption</legend>
        <div className="radio-cards">
          {ENCRYPTION_OPTIONS.map((o) => (
            <label key={o.value} className={value.security === o.value ? 'radio-card selected' : 'radio-card'}>
              <input type="radio" name={`${idPrefix}-security`} value={o.value} checked={value.security === o.value} onChange={() => pick(o.value)} />
              <span className="radio-card-title">{o.label}</span>
              <span className="radio-card-help">{o.help}</span>
            </label>
          ))}
        </div>
        {mismatch ? <small className="hint hint-warn">{mismatch} The connection test will tell you which mode works.</small> : null}
      </fieldset>
      <Field label="Port" id={`${idPrefix}-port`}>
        <input id={`${idPrefix}-port`} type="number" min={1} max={65535} required value={value.port} onChange={(e) => set({ port: e.target.value })} />
      </Field>
      {value.security === 'starttls' ? (
        <div className="field checkbox-field">
          <label>
            <input type="checkbox" checked={value.requireTls} onChange={(e) => set({ requireTls: e.target.checked })} /> Refuse to send if STARTTLS fails
          </label>
          <small className="hint">Recommended. With credentials configured, Mailroom never logs in without TLS anyway.</small>
        </div>
      ) : null}
      {/* IMAP checks certificates with the same trust: a plain SMTP relay still needs it for IMAP over TLS. */}
      {value.security !== 'none' || imapEncrypted ? (
        <fieldset className="field field-wide">
          <legend>Certificate check{imapEncrypted ? (value.security === 'none' ? ' (IMAP)' : ' (SMTP and IMAP)') : ''}</legend>
          <div className="radio-row">
            {(
              [
                ['system', 'Trusted certificate authorities'],
                ['pinned', 'Pin a certificate or fingerprint'],
                ['any', 'Trust any certificate'],
              ] as const
            ).map(([mode, label]) => (
              <label key={mode}>
                <input type="radio" name={`${idPrefix}-trust`} value={mode} checked={value.trustMode === mode} onChange={() => set({ trustMode: mode })} /> {label}
              </label>
            ))}
          </div>
          {value.trustMode === 'any' ? (
            <div className="alert alert-warning" role="alert">
              <strong>Certificates are not checked.</strong> Anyone between Mailroom and this server can read the mail and the password. Use this only for a test server, and
              prefer pinning its certificate.
            </div>
          ) : null}
          {value.trustMode === 'pinned' ? (
            <div className="form-grid">
              <Field label="SHA-256 fingerprint" id={`${idPrefix}-fp`} hint="64 hex digits; colons optional. The connection test shows the server's fingerprint. The certificate must still chain to a trusted CA: for a self-signed one, paste its PEM instead.">
                <input id={`${idPrefix}-fp`} value={value.fingerprint} onChange={(e) => set({ fingerprint: e.target.value })} spellCheck={false} />
              </Field>
              <Field label="or PEM certificate" id={`${idPrefix}-pem`}>
                <textarea id={`${idPrefix}-pem`} rows={3} value={value.certificate} onChange={(e) => set({ certificate: e.target.value })} spellCheck={false} placeholder="-----BEGIN CERTIFICATE-----" />
              </Field>
            </div>
          ) : null}
        </fieldset>
      ) : null}
    </>
  );
}
