import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { compileNetworkPolicy } from '../../core/probes/network-policy.js';
import { ErrorCodes, isMailroomError } from '../../core/kernel/errors.js';
import { normalizeDiagnosticRequest } from '../../core/probes/diagnostics.js';
import { normalizeServerConfig } from '../../core/senders/servers.js';
import { formatDiagnostic, useColor } from '../format-diagnostic.js';
import { passwordFrom, withPasswordOptions, type PasswordOptions } from '../password-option.js';

interface TestSmtpOptions extends PasswordOptions {
  host: string;
  port?: string;
  security?: string;
  user?: string;
  from?: string;
  sendTo?: string;
  trust?: string;
  fingerprint?: string;
  certificate?: string;
  timeout?: string;
}

/** The API fields the options fill, longest first so that a field is not taken for its prefix. */
const OPTION_OF_FIELD: [string, string][] = [
  ['smtp.tlsTrust.certificate', '--certificate'],
  ['smtp.tlsTrust.fingerprint', '--fingerprint'],
  ['smtp.tlsTrust.mode', '--trust'],
  ['smtp.tlsTrust', '--trust'],
  ['smtp.connectTimeoutSec', '--timeout'],
  ['smtp.sendTimeoutSec', '--timeout'],
  ['smtp.security', '--security'],
  ['smtp.port', '--port'],
  ['smtp.host', '--host'],
  ['auth.password', '--password'],
  ['auth.user', '--user'],
  ['send.from', '--from'],
  ['send.to', '--send-to'],
];

/** "smtp.connectTimeoutSec: must be …" as "--timeout: must be …". */
function asOption(message: string): string {
  const hit = OPTION_OF_FIELD.find(([field]) => message.startsWith(`${field}:`) || message.startsWith(`${field} `));
  if (!hit) return message;
  const said = hit[1] + message.slice(hit[0].length);
  // "pinned" is what --fingerprint sets, not a value of --trust.
  return hit[1] === '--trust' ? said.replace('"system", "pinned", "any"', '"system", "any" (pin a certificate with --certificate or --fingerprint)') : said;
}

/**
 * A step's hint (or detail) in the command's words: the hints name the API's settings (the admin UI and the
 * API show them), which on this command are options — "Set security to "tls"" is `--security tls`.
 */
function asCliHint(hint: string): string {
  return hint
    .replace(/set tlsTrust to \{ "mode": "pinned", "fingerprint": "([^"]+)" \}/g, 'run again with --fingerprint $1')
    .replace(/set tlsTrust to \{ "mode": "pinned", "certificate": "[^"]*" \} with its PEM/g, 'run again with --certificate and a file holding its PEM')
    .replace(/([Ss])et security to "(\w+)"/g, (_, s: string, mode: string) => `${s === 'S' ? 'U' : 'u'}se --security ${mode}`)
    .replace(/security "(\w+)"/g, '--security $1')
    .replace(/Set a user name and password on the account/g, 'Give --user and a password (--password-env, --password-stdin)')
    .replace(/give send\.from and send\.to/g, 'give --send-to, and --from unless --user is an address');
}

const int = (v: string | undefined) => (v === undefined ? undefined : /^\d+$/.test(v) ? Number(v) : v);

/** The PEM of --certificate; a file that cannot be read is said as the option's, not as a bare ENOENT. */
function certificateFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`--certificate: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
}

/**
 * `mailroom test-smtp`: the connection diagnostic in a terminal. It runs on the operator's
 * own machine with the operator's own network access, so the SSRF allow-list (which guards
 * the HTTP API against remote callers) does not apply; nothing is stored.
 */
export function registerTestSmtp(program: Command): void {
  const command = program
    .command('test-smtp')
    .description('test an SMTP server step by step: DNS, TCP, TLS, EHLO, STARTTLS, AUTH, and optionally a real message')
    // Bad arguments exit 2, those commander refuses (an unknown or missing option) as the rest.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .requiredOption('--host <host>', 'SMTP server host name or address')
    .option('--port <port>', 'port (default 587; 465 with --security tls, 25 with --security none)')
    .option('--security <mode>', 'starttls | tls | none')
    .option('--user <user>', 'user name for AUTH');
  withPasswordOptions(command, 'the password for AUTH')
    .option('--send-to <address>', 'also send a real test message to this address')
    .option('--from <address>', 'sender of the test message (default: --user when it is an address)')
    .option('--trust <mode>', 'certificate trust: system | any', 'system')
    .option('--fingerprint <sha256>', 'trust only the certificate with this SHA-256 fingerprint (its chain must still verify)')
    .option('--certificate <file>', 'trust only the certificate in this PEM file (for a self-signed one)')
    .option('--timeout <seconds>', 'connect and command timeout', '15')
    .action(async (o: TestSmtpOptions) => {
      try {
        const password = await passwordFrom(o);
        // Options that would be dropped unseen are refused: with them ignored, "all steps passed"
        // said nothing about the login or the sender the operator meant to check.
        if (password !== undefined && !o.user) throw new Error('a password needs --user: AUTH logs in with both (without them the AUTH step is skipped)');
        if (o.from && !o.sendTo) throw new Error('--from is the sender of the test message, which only --send-to sends: add --send-to, or leave --from out');
        // "pinned" is what --fingerprint and --certificate set: said alone, it named the API's field ("smtp.tlsTrust: mode "pinned" needs …").
        if (o.trust === 'pinned' && !o.fingerprint && !o.certificate) throw new Error('--trust pinned needs --fingerprint or --certificate: the certificate to pin (either of them alone pins it)');
        if ((o.fingerprint || o.certificate) && o.trust !== 'system' && o.trust !== 'pinned') throw new Error(`--trust ${o.trust} cannot be combined with --fingerprint or --certificate: they pin a certificate; give one or the other`);
        // As a server's tlsTrust: a pinned PEM is also a trust anchor, a fingerprint alone is not.
        const tlsTrust =
          o.fingerprint || o.certificate
            ? { mode: 'pinned', ...(o.fingerprint ? { fingerprint: o.fingerprint } : {}), ...(o.certificate ? { certificate: certificateFile(o.certificate) } : {}) }
            : { mode: o.trust };
        const timeout = int(o.timeout);
        const smtp = normalizeServerConfig({
          name: 'cli',
          smtp: { host: o.host, port: int(o.port), security: o.security, tlsTrust, connectTimeoutSec: timeout, sendTimeoutSec: timeout, requireTls: o.security === 'none' ? false : undefined },
        }).smtp;
        const from = o.from ?? (o.user?.includes('@') ? o.user : undefined);
        if (o.sendTo && !from) throw new Error('--send-to needs --from (or a --user that is an email address)');
        const req = normalizeDiagnosticRequest(
          { smtp: {}, ...(o.user ? { auth: { user: o.user, ...(password !== undefined ? { password } : {}) } } : {}), ...(o.sendTo ? { send: { from, to: o.sendTo } } : {}) },
          'smtp',
        );
        const auth = req.auth?.password !== undefined ? { user: req.auth.user, password: req.auth.password } : undefined;
        const everywhere = compileNetworkPolicy(['0.0.0.0/0', '::/0']);
        const { standaloneDiagnostics } = await import('../../app-diagnostics.js');
        const result = await standaloneDiagnostics.smtp({ smtp, ...(auth ? { auth } : { authUnavailable: o.user ? 'no password given' : 'no credentials given' }), ...(req.send ? { send: req.send } : {}) }, everywhere);
        const steps = result.steps.map((step) => ({ ...step, detail: asCliHint(step.detail), ...(step.hint ? { hint: asCliHint(step.hint) } : {}) }));
        process.stdout.write(formatDiagnostic({ ...result, steps }, { color: useColor(process.stdout) }));
        process.exitCode = result.ok ? 0 : 1;
      } catch (err) {
        // Bad arguments exit 2 (a failing step exits 1), said in the option's name, not the API field's.
        const code = isMailroomError(err) ? err.code : ErrorCodes.VALIDATION;
        process.stderr.write(`mailroom: ${asOption((err as Error).message)}\n  (${code})\n`);
        process.exit(2);
      }
    });
}
