import type { MailroomConfig } from './config.js';
import { checkKeyFiles } from './secrets/keyring.js';

/**
 * The files of the data directory a process reads as it starts, read and checked before it
 * opens the store (the CLI calls this before the migrations): the key file, and for a process
 * that runs the relay, the relay's kept self-signed certificate. One that cannot be read or
 * parsed stopped the start with a stack trace, some after the migrations and the first admin;
 * now MAILROOM_E_CONFIG names the file and what to do, and nothing was changed.
 */
export async function checkDataDirFiles(config: Readonly<MailroomConfig>, opts: { relay: boolean }): Promise<void> {
  checkKeyFiles({ envKey: config.secretKey, dataDir: config.dataDir });
  // Loaded only then: a one-shot command loads none of the relay.
  if (opts.relay && config.relay) (await import('./relay/certificate.js')).checkKeptCertificate(config.relay, config.dataDir);
}
