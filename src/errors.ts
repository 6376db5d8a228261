/**
 * The catalogue of errors Broadsheet answers with. Every error response is RFC 9457
 * problem+json built from one of these; `code` is the stable, machine-readable part.
 */
export interface FieldError {
  /** JSON Pointer into the request, prefixed by its part: `/body/title`, `/query/limit`. */
  path: string
  message: string
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

export class ProblemError extends Error {
  override name = 'ProblemError'
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
  }
}

/** `VALIDATION_FAILED` → `urn:broadsheet:problem:validation-failed` */
export function problemType(code: string): string {
  return `urn:broadsheet:problem:${code.toLowerCase().replaceAll('_', '-')}`
}

export const Problems = {
  validation: (errors: FieldError[], detail = 'The request is not valid; see `errors`.') =>
    new ProblemError(400, 'VALIDATION_FAILED', 'Validation failed', detail, errors),
  badRequest: (code: string, detail: string) => new ProblemError(400, code, 'Bad request', detail),
  unauthorized: (detail = 'A valid bearer token is required.') =>
    new ProblemError(401, 'UNAUTHORIZED', 'Unauthorized', detail, undefined, { 'www-authenticate': 'Bearer' }),
  forbidden: (detail = 'This token may not do that.') => new ProblemError(403, 'FORBIDDEN', 'Forbidden', detail),
  notFound: (detail = 'No such resource.') => new ProblemError(404, 'NOT_FOUND', 'Not found', detail),
  conflict: (code: string, detail: string) => new ProblemError(409, code, 'Conflict', detail),
  slugTaken: (slug: string) => new ProblemError(409, 'SLUG_TAKEN', 'Slug taken', `The slug "${slug}" is already in use.`),
  preconditionFailed: (detail = 'The resource has changed since you read it (If-Match did not match).') =>
    new ProblemError(412, 'PRECONDITION_FAILED', 'Precondition failed', detail),
  preconditionRequired: (detail = 'This request must carry an If-Match header with the ETag you read.') =>
    new ProblemError(428, 'PRECONDITION_REQUIRED', 'Precondition required', detail),
  unavailable: (detail = 'The database is not reachable right now; try again shortly.') =>
    new ProblemError(503, 'SERVICE_UNAVAILABLE', 'Service unavailable', detail, undefined, { 'retry-after': '5' }),
  internal: () => new ProblemError(500, 'INTERNAL_ERROR', 'Internal server error', 'Something went wrong on our side.'),
} as const

/** Stable codes for the HTTP errors Fastify itself raises (bad JSON, wrong media type, ...). */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST'
    case 404:
      return 'NOT_FOUND'
    case 405:
      return 'METHOD_NOT_ALLOWED'
    case 406:
      return 'NOT_ACCEPTABLE'
    case 408:
      return 'REQUEST_TIMEOUT'
    case 413:
      return 'PAYLOAD_TOO_LARGE'
    case 414:
      return 'URI_TOO_LONG'
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE'
    case 429:
      return 'RATE_LIMITED'
    case 503:
      return 'SERVICE_UNAVAILABLE'
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'
  }
}
