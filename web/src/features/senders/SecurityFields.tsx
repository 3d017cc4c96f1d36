import type { SmtpSecurity, TlsTrustMode } from '../../api.js';
import { Field, FieldError, fieldIsAt } from '../../ui/index.js';

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

/** The API's refusal said at the setting `path` names (the part after the field name), or null: `errorFor` bound to a save. */
export type ErrorAt = (path: string) => string | null;

const NO_ERRORS: ErrorAt = () => null;

/** Whether the API's refusal of `field` is said at one of these fields, as they show `value`. */
export function refusedInSecurity(field: string | null, value: SecurityValue, imapEncrypted = false): boolean {
  const at = (p: string) => fieldIsAt(field, p);
  return at('smtp.security') || at('smtp.port') || (value.security === 'starttls' && at('smtp.requireTls')) || ((value.security !== 'none' || imapEncrypted) && at('smtp.tlsTrust'));
}

/** Marks a control the API refused (FieldError beside it describes it and takes the focus). */
const invalid = (message: string | null) => (message ? true : undefined);

/**
 * One choice for the encryption mode instead of independent "SSL" and "TLS" checkboxes, so
 * the form cannot describe a contradictory connection: "require TLS" only exists for
 * STARTTLS (implicit TLS is always encrypted, "none" never is), and picking a mode moves a
 * standard port along with it.
 */
export function SecurityFields({
  value,
  onChange,
  idPrefix,
  imapEncrypted = false,
  errorAt = NO_ERRORS,
}: {
  value: SecurityValue;
  onChange: (v: SecurityValue) => void;
  idPrefix: string;
  imapEncrypted?: boolean;
  /** Where a refused save's message goes: each setting's own (`smtp.port`, `smtp.tlsTrust.fingerprint`, …). */
  errorAt?: ErrorAt;
}) {
  const set = (patch: Partial<SecurityValue>) => onChange({ ...value, ...patch });
  const pick = (security: SmtpSecurity) => {
    const opt = ENCRYPTION_OPTIONS.find((o) => o.value === security)!;
    set({
      security,
      port: DEFAULT_PORTS.has(value.port) ? String(opt.port) : value.port,
      requireTls: security === 'starttls' ? value.requireTls || value.security !== 'starttls' : security === 'tls',
    });
  };
  const securityError = errorAt('smtp.security');
  const portError = errorAt('smtp.port');
  const requireTlsError = errorAt('smtp.requireTls');
  const pinned = value.trustMode === 'pinned';
  const fingerprintError = pinned ? errorAt('smtp.tlsTrust.fingerprint') : null;
  const certificateError = pinned ? errorAt('smtp.tlsTrust.certificate') : null;
  // Any other refusal of the trust (its mode, or a pin a field above does not show) is said at the choice.
  const trustError = fingerprintError || certificateError ? null : errorAt('smtp.tlsTrust');
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
              <input type="radio" name={`${idPrefix}-security`} value={o.value} checked={value.security === o.value} onChange={() => pick(o.value)} aria-invalid={value.security === o.value ? invalid(securityError) : undefined} />
              <span className="radio-card-title">{o.label}</span>
              <span className="radio-card-help">{o.help}</span>
            </label>
          ))}
        </div>
        <FieldError id={`${idPrefix}-security-error`} message={securityError} />
        {mismatch ? <small className="hint hint-warn">{mismatch} The connection test will tell you which mode works.</small> : null}
      </fieldset>
      <Field label="Port" id={`${idPrefix}-port`}>
        <input id={`${idPrefix}-port`} type="number" min={1} max={65535} required value={value.port} onChange={(e) => set({ port: e.target.value })} aria-invalid={invalid(portError)} />
        <FieldError id={`${idPrefix}-port-error`} message={portError} />
      </Field>
      {value.security === 'starttls' ? (
        <div className="field checkbox-field">
          <label>
            <input type="checkbox" checked={value.requireTls} onChange={(e) => set({ requireTls: e.target.checked })} aria-invalid={invalid(requireTlsError)} /> Refuse to send if STARTTLS fails
          </label>
          <FieldError id={`${idPrefix}-requiretls-error`} message={requireTlsError} />
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
                <input type="radio" name={`${idPrefix}-trust`} value={mode} checked={value.trustMode === mode} onChange={() => set({ trustMode: mode })} aria-invalid={value.trustMode === mode ? invalid(trustError) : undefined} /> {label}
              </label>
            ))}
          </div>
          <FieldError id={`${idPrefix}-trust-error`} message={trustError} />
          {value.trustMode === 'any' ? (
            <div className="alert alert-warning" role="alert">
              <strong>Certificates are not checked.</strong> Anyone between Mailroom and this server can read the mail and the password. Use this only for a test server, and
              prefer pinning its certificate.
            </div>
          ) : null}
          {value.trustMode === 'pinned' ? (
            <div className="form-grid">
              <Field label="SHA-256 fingerprint" id={`${idPrefix}-fp`} hint="64 hex digits; colons optional. The connection test shows the server's fingerprint. The certificate must still chain to a trusted CA: for a self-signed one, paste its PEM instead.">
                <input id={`${idPrefix}-fp`} value={value.fingerprint} onChange={(e) => set({ fingerprint: e.target.value })} spellCheck={false} aria-invalid={invalid(fingerprintError)} />
                <FieldError id={`${idPrefix}-fp-error`} message={fingerprintError} />
              </Field>
              <Field label="or PEM certificate" id={`${idPrefix}-pem`}>
                <textarea id={`${idPrefix}-pem`} rows={3} value={value.certificate} onChange={(e) => set({ certificate: e.target.value })} spellCheck={false} placeholder="-----BEGIN CERTIFICATE-----" aria-invalid={invalid(certificateError)} />
                <FieldError id={`${idPrefix}-pem-error`} message={certificateError} />
              </Field>
            </div>
          ) : null}
        </fieldset>
      ) : null}
    </>
  );
}
