import type { MailroomErrorCode } from './generated/error-codes.js';

export type { MailroomErrorCode };

/** A code for an answer that is not Mailroom's error body (a proxy's HTML page, an empty 502). */
export const UNEXPECTED_RESPONSE = 'MAILROOM_SDK_UNEXPECTED_RESPONSE';
/** `messages.waitFor`: the message reached a final status other than those waited for (it will not change on its own). */
export const INVALID_STATE = 'MAILROOM_SDK_INVALID_STATE';
/** `messages.waitFor`: the time given ran out before the message reached a status waited for. */
export const TIMEOUT = 'MAILROOM_SDK_TIMEOUT';

/**
 * The codes the SDK gives itself (no Mailroom answer carries them): UNEXPECTED_RESPONSE has the
 * answer's HTTP status, INVALID_STATE and TIMEOUT have `status` 0 (no request was refused).
 */
export type SdkErrorCode = typeof UNEXPECTED_RESPONSE | typeof INVALID_STATE | typeof TIMEOUT;

/** Whether a code is one the SDK gives itself (`MAILROOM_SDK_…`) rather than one of Mailroom's catalogue. */
export function isSdkErrorCode(code: string): code is SdkErrorCode {
  return code === UNEXPECTED_RESPONSE || code === INVALID_STATE || code === TIMEOUT;
}

/**
 * A refusal or failure Mailroom answered: `code` is the stable code of its error catalogue
 * (branch on it) or one the SDK gives itself ({@link SdkErrorCode}), `message` is for people,
 * `details` says what it is about (e.g. `{ field }`), `status` is the HTTP status (0 when no
 * answer was refused: `messages.waitFor`'s INVALID_STATE and TIMEOUT).
 */
export class MailroomError extends Error {
  readonly code: MailroomErrorCode | SdkErrorCode;
  readonly details: unknown;
  readonly status: number;

  constructor(init: { code: MailroomErrorCode | SdkErrorCode; message: string; details?: unknown; status: number }) {
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
