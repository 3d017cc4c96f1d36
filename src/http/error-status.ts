import { ErrorCodes, type ErrorCode } from '../core/kernel/errors.js';

/** The single map from error codes to HTTP statuses. Nothing else in Mailroom knows statuses. */
const STATUS: Record<ErrorCode, number> = {
  [ErrorCodes.VALIDATION]: 400,
  [ErrorCodes.MALFORMED_JSON]: 400,
  [ErrorCodes.UNKNOWN_FIELD]: 400,
  [ErrorCodes.HEADER_INJECTION]: 400,
  [ErrorCodes.INVALID_ADDRESS]: 400,
  [ErrorCodes.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.DUPLICATE]: 409,
  [ErrorCodes.VERSION_CONFLICT]: 409,
  [ErrorCodes.IN_USE]: 409,
  [ErrorCodes.LOCKED]: 423,
  [ErrorCodes.INVALID_STATE]: 409,
  [ErrorCodes.UNAUTHENTICATED]: 401,
  [ErrorCodes.FORBIDDEN]: 403,
  [ErrorCodes.CSRF]: 403,
  [ErrorCodes.RATE_LIMITED]: 429,
  [ErrorCodes.INVALID_CREDENTIALS]: 401,
  [ErrorCodes.API_KEY_EXPIRED]: 401,
  [ErrorCodes.API_KEY_CREATOR_INACTIVE]: 401,
  [ErrorCodes.SECRET_KEY_MISSING]: 500,
  [ErrorCodes.SECRET_KEY_INVALID]: 500,
  [ErrorCodes.SECRET_KEY_MISMATCH]: 500,
  [ErrorCodes.SECRET_UNRESOLVED]: 422,
  [ErrorCodes.SECRET_PROVIDER_UNSUPPORTED]: 422,
  [ErrorCodes.CONFIG]: 500,
  [ErrorCodes.NO_SENDER]: 422,
  [ErrorCodes.PURPOSE_DISABLED]: 422,
  [ErrorCodes.FROM_NOT_ALLOWED]: 422,
  [ErrorCodes.TOO_MANY_RECIPIENTS]: 400,
  [ErrorCodes.SUBJECT_TOO_LONG]: 400,
  [ErrorCodes.MESSAGE_TOO_LARGE]: 413,
  [ErrorCodes.ATTACHMENT_TOO_LARGE]: 413,
  [ErrorCodes.HEADER_NOT_ALLOWED]: 400,
  [ErrorCodes.OVERRIDE_NOT_ALLOWED]: 403,
  [ErrorCodes.UNKNOWN_PURPOSE]: 422,
  [ErrorCodes.ACCOUNT_INACTIVE]: 422,
  [ErrorCodes.TARGET_NOT_ALLOWED]: 403,
  [ErrorCodes.STORE_UNAVAILABLE]: 503,
  [ErrorCodes.STORE_FULL]: 507,
  [ErrorCodes.INTERNAL]: 500,
};

export function statusFor(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}
