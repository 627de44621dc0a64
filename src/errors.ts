/**
 * The contract's error table (section 1): every stable `status.code`, its HTTP
 * status and the message a client sees. Nothing else in the code base decides
 * a status; handlers throw `ApiError` and the app's error handler renders it.
 */
export const ERRORS = {
  MALFORMED_REQUEST: { status: 400, message: "The request body is not a valid JSON object." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "The request body must be JSON (application/json)." },
  PAYLOAD_TOO_LARGE: { status: 413, message: "The request body is too large." },
  MISSING_PARAMETER: { status: 400, message: "A mandatory parameter is missing." },
  TOO_MANY_PARAMETERS: { status: 400, message: "Only one of these parameters may be given." },
  INVALID_PARAMETER: { status: 400, message: "A parameter is not valid." },
  INVALID_TOKEN: { status: 401, message: "The token is not valid." },
  AUTHENTICATION_FAILED: { status: 401, message: "Authentication failed." },
  NOT_FOUND: { status: 404, message: "The requested record was not found." },
  SUBSCRIPTION_NOT_ACTIVE: { status: 403, message: "The subscription is not active." },
  CONFLICT: { status: 409, message: "A unique value already belongs to another record." },
  AMBIGUOUS_SUBSCRIPTION: {
    status: 409,
    message: "Several active subscriptions match; give a subscription_type_identifier to choose one.",
  },
  RATE_LIMITED: { status: 429, message: "Too many attempts; try again later." },
  ROUTE_NOT_FOUND: { status: 404, message: "No such endpoint." },
  METHOD_NOT_ALLOWED: { status: 405, message: "This method is not allowed on this endpoint." },
  SERVICE_UNAVAILABLE: { status: 503, message: "A storage service is unavailable; try again." },
  INTERNAL_ERROR: { status: 500, message: "An internal error occurred." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;
export type ErrorStatus = (typeof ERRORS)[ErrorCode]["status"];

export class ApiError extends Error {
  readonly status: ErrorStatus;

  constructor(
    readonly code: ErrorCode,
    /** The offending parameter path, e.g. `installed_item_identifier.serial_number`. */
    readonly description = "",
    message: string = ERRORS[code].message,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = ERRORS[code].status;
  }
}
