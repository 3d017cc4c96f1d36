import type { MailroomErrorCode } from './generated/error-codes.js';

export type { MailroomErrorCode };

/** A code for an answer that is not Mailroom's error body (a proxy's HTML page, an empty 502). */
export const UNEXPECTED_RESPONSE = 'MAILROOM_SDK_UNEXPECTED_RESPONSE';

/**
 * A refusal or failure Mailroom answered: `code` is the stable code of its error catalogue
 * (branch on it), `message` is for people, `details` says what it is about (e.g. `{ field }`),
 * `status` is the HTTP status.
 */
export class MailroomError extends Error {
  readonly code: MailroomErrorCode | typeof UNEXPECTED_RESPONSE;
  readonly details: unknown;
  readonly status: number;

  constructor(init: { code: MailroomErrorCode | typeof UNEXPECTED_RESPONSE; message: string; details?: unknown; status: number }) {
    super(init.message);
    this.name = 'MailroomError';
    this.code = init.code;
    this.details = init.details;
    this.status = init.status;
  }

  /** The error an answer carries: Mailroom's `{ error: { code, message, details } }`, or what the status says. */
  static from(body: unknown, response: Response): MailroomError {
    const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    if (error && typeof error.code === 'string' && typeof error.message === 'string') {
      return new MailroomError({ code: error.code as MailroomErrorCode, message: error.message, details: error.details, status: response.status });
    }
    return new MailroomError({ code: UNEXPECTED_RESPONSE, message: `unexpected answer ${response.status} ${response.statusText} from ${response.url}`, details: body, status: response.status });
  }
}

export function isMailroomError(err: unknown): err is MailroomError {
  return err instanceof MailroomError;
}
