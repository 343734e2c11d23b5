// cairn's error codes as Error classes. A failed request carries
// [kind, "CODE: message"] (ipc/README.md, Errors); it becomes the subclass named
// for CODE, with .code, .errorMessage (the text after the code) and .kind (1 when
// the caller can fix it, 0 when the daemon failed). UnavailableError is the
// client's own: no daemon answers, or the connection closed before the reply.

export class CairnError extends Error {
  static readonly code: string = "UNKNOWN";
  readonly code: string;
  readonly errorMessage: string;
  readonly kind: number | undefined;
  readonly retryable: boolean = false;

  constructor(message: string, code?: string, kind?: number) {
    const c = code ?? (new.target as typeof CairnError).code;
    super(`${c}: ${message}`);
    this.name = new.target.name;
    this.code = c;
    this.errorMessage = message;
    this.kind = kind;
  }
}

export class ParseError extends CairnError { static readonly code = "PARSE_ERROR"; }
export class InvalidRequestError extends CairnError { static readonly code = "INVALID_REQUEST"; }
export class MethodNotFoundError extends CairnError { static readonly code = "METHOD_NOT_FOUND"; }
export class InvalidParamsError extends CairnError { static readonly code = "INVALID_PARAMS"; }
export class NotFoundError extends CairnError { static readonly code = "NOT_FOUND"; }
export class ConflictError extends CairnError { static readonly code = "CONFLICT"; }
export class TooLargeError extends CairnError { static readonly code = "TOO_LARGE"; }
export class BusyError extends CairnError {
  static readonly code = "BUSY";
  readonly retryable = true;
}
export class UnauthorizedError extends CairnError { static readonly code = "UNAUTHORIZED"; }
/** The storage failed: a write's outcome is unknown (repeat it with the same id). */
export class IoError extends CairnError {
  static readonly code = "IO_ERROR";
  readonly retryable = true;
}
export class InternalError extends CairnError { static readonly code = "INTERNAL"; }
/** No cairnd answers on the socket, or the connection closed mid-request. */
export class UnavailableError extends CairnError {
  static readonly code = "UNAVAILABLE";
  readonly retryable = true;
}

export const ERRORS_BY_CODE: Record<string, typeof CairnError> = Object.fromEntries(
  [ParseError, InvalidRequestError, MethodNotFoundError, InvalidParamsError, NotFoundError,
   ConflictError, TooLargeError, BusyError, UnauthorizedError, IoError, InternalError,
   UnavailableError].map((c) => [c.code, c]));

/** The error for a reply's error field [kind, "CODE: message"]. */
export function errorFromWire(error: unknown): CairnError {
  let kind: number | undefined;
  let text: unknown = error;
  if (Array.isArray(error) && error.length === 2) {
    kind = typeof error[0] === "number" ? error[0] : undefined;
    text = error[1];
  }
  if (text instanceof Uint8Array) text = Buffer.from(text).toString("utf8");
  const s = String(text);
  const m = /^([A-Z][A-Z_]*): (.*)$/s.exec(s);
  if (!m) return new CairnError(s, "UNKNOWN", kind);
  const cls = ERRORS_BY_CODE[m[1]] ?? CairnError;
  return new cls(m[2], m[1], kind);
}
