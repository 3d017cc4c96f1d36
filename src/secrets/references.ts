import { readFile, stat } from 'node:fs/promises';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import type { Repositories } from '../core/ports.js';
import type { StoredAccount } from '../core/senders/ports.js';

const MAX_SECRET_FILE_BYTES = 64 * 1024;

/**
 * Resolves an account's SMTP password at send time: the stored (encrypted) secret, or a
 * reference read now, so a rotated env variable or file takes effect without an edit.
 * Returns undefined when the account has no credentials.
 */
export async function resolveAccountPassword(
  repos: Pick<Repositories, 'secrets'>,
  account: Pick<StoredAccount, 'id' | 'passwordSecretId' | 'passwordRef'>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  if (account.passwordSecretId) return repos.secrets.reveal(account.passwordSecretId);
  if (!account.passwordRef) return undefined;
  return resolveSecretRef(account.passwordRef, env);
}

export async function resolveSecretRef(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const colon = ref.indexOf(':');
  const kind = ref.slice(0, colon);
  const target = ref.slice(colon + 1);
  switch (kind) {
    case 'env': {
      const v = env[target];
      if (v === undefined || v === '') {
        throw new MailroomError(ErrorCodes.SECRET_UNRESOLVED, `secret reference ${ref}: environment variable ${target} is not set`, { ref });
      }
      return v;
    }
    case 'file': {
      try {
        // A secret is a small regular file: never a device (/dev/zero would be read forever) or a huge file.
        const info = await stat(target);
        if (!info.isFile() || info.size > MAX_SECRET_FILE_BYTES) {
          throw new MailroomError(ErrorCodes.SECRET_UNRESOLVED, `secret reference ${ref}: not a regular file of at most ${MAX_SECRET_FILE_BYTES} bytes`, { ref });
        }
        // Secret files (Docker/Kubernetes secrets) usually end with a newline that is not part of the password.
        return (await readFile(target, 'utf8')).replace(/\r?\n$/, '');
      } catch (err) {
        if (err instanceof MailroomError) throw err;
        throw new MailroomError(ErrorCodes.SECRET_UNRESOLVED, `secret reference ${ref}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { ref });
      }
    }
    default:
      throw new MailroomError(
        ErrorCodes.SECRET_PROVIDER_UNSUPPORTED,
        `secret reference ${ref}: the "${kind}" provider is not supported yet; use env:NAME, file:/path, or store the password in Mailroom`,
        { ref, provider: kind },
      );
  }
}
