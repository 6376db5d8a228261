/**
 * The catalogue of every problem code a client can receive. Every error response is RFC 9457
 * problem+json built from one of these entries: its status, title and type URN come from here
 * and nowhere else; the OpenAPI examples and the README's table are checked against it
 * (test/unit/problem-catalogue.test.ts).
 */
/** A 400 lists at most this many field errors (the first ones found). */
export const MAX_FIELD_ERRORS = 20

export const CATALOGUE = {
  VALIDATION_FAILED: { status: 400, title: 'Validation failed', detail: 'The request is not valid; see `errors`.' },
  BAD_REQUEST: {
    status: 400,
    title: 'Bad request',
    detail: 'The request could not be understood (malformed JSON or URL).',
  },
  INVALID_VALUE: {
    status: 400,
    title: 'Invalid value',
    detail: 'A value in the request is out of range or malformed.',
  },
  UNAUTHORIZED: { status: 401, title: 'Unauthorized', detail: 'A valid bearer token is required.' },
  FORBIDDEN: { status: 403, title: 'Forbidden', detail: 'This token may not do that.' },
  NOT_FOUND: { status: 404, title: 'Not found', detail: 'No such resource (drafts the caller may not see included).' },
  SLUG_TAKEN: { status: 409, title: 'Slug taken', detail: 'The slug is already in use.' },
  EMAIL_TAKEN: { status: 409, title: 'Email taken', detail: 'Another author already uses this email address.' },
  AUTHOR_HAS_ARTICLES: {
    status: 409,
    title: 'Author has articles',
    detail:
      'This author still has articles (trashed ones included); move them to another author, or destroy them ' +
      '(DELETE with permanent=true, or wait for the trash retention) first.',
  },
  BULK_ABORTED: {
    status: 409,
    title: 'Bulk request aborted',
    detail: 'atomic was true and at least one item would have failed, so nothing was changed; see `results`.',
  },
  CONFLICT: { status: 409, title: 'Conflict', detail: 'A resource with the same unique value already exists.' },
  REFERENCE_CONFLICT: {
    status: 409,
    title: 'Reference conflict',
    detail: 'The change would break a reference between resources.',
  },
  ALT_TEXT_REQUIRED: {
    status: 409,
    title: 'Alt text required',
    detail: 'A published or scheduled article’s cover image needs alt text.',
  },
  IDEMPOTENCY_KEY_IN_FLIGHT: {
    status: 409,
    title: 'Request in progress',
    detail: 'A request with this Idempotency-Key is still being processed; retry shortly.',
  },
  IDEMPOTENCY_KEY_USED: {
    status: 409,
    title: 'Already done',
    detail: 'The request with this Idempotency-Key already succeeded; its response is shown only once.',
  },
  PRECONDITION_FAILED: {
    status: 412,
    title: 'Precondition failed',
    detail: 'The resource has changed since you read it (If-Match did not match).',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request timeout',
    detail: 'The request was not received completely in time.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    title: 'Payload too large',
    detail: 'The request body is larger than the server accepts.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    detail:
      'Only application/json bodies are accepted (multipart/form-data on POST /media, whose file must be a ' +
      'JPEG, PNG, WebP, AVIF or GIF by its bytes, and not also HTML or script).',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency key reused',
    detail: 'This Idempotency-Key was used with a different request body.',
  },
  IMAGE_UNREADABLE: {
    status: 422,
    title: 'Image unreadable',
    detail:
      'The upload is empty, truncated or corrupt: it does not decode as the image its bytes announce. Nothing was stored.',
  },
  PRECONDITION_REQUIRED: {
    status: 428,
    title: 'Precondition required',
    detail: 'This request must carry an If-Match header with the ETag you read.',
  },
  REQUEST_HEADER_FIELDS_TOO_LARGE: {
    status: 431,
    title: 'Request header fields too large',
    detail: 'The request line or headers (a long query string included) are larger than the server accepts.',
  },
  RATE_LIMITED: {
    status: 429,
    title: 'Too many requests',
    detail: 'Rate limit exceeded; retry after Retry-After seconds.',
  },
  INTERNAL_ERROR: { status: 500, title: 'Internal server error', detail: 'Something went wrong on our side.' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    title: 'Service unavailable',
    detail: 'The database is not reachable right now; try again shortly.',
  },
} as const satisfies Record<string, { status: number; title: string; detail: string }>

export type ProblemCode = keyof typeof CATALOGUE

export interface FieldError {
  /** JSON Pointer into the request, prefixed by its part: `/body/title`, `/query/limit`. */
  path: string
  message: string
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'

/** `VALIDATION_FAILED` → `urn:broadsheet:problem:validation-failed` */
export function problemType(code: ProblemCode): string {
  return `urn:broadsheet:problem:${code.toLowerCase().replaceAll('_', '-')}`
}

export class ProblemError extends Error {
  override name = 'ProblemError'
  readonly status: number
  readonly title: string
  /** Members beyond the standard ones (BULK_ABORTED: `results`). */
  extensions: Record<string, unknown> = {}
  constructor(
    readonly code: ProblemCode,
    readonly detail: string = CATALOGUE[code].detail,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
    this.status = CATALOGUE[code].status
    this.title = CATALOGUE[code].title
  }
}

/** The problem+json body of a problem; `instance` is the request path, cut short. */
export function problemBody(problem: ProblemError, instance?: string) {
  return {
    type: problemType(problem.code),
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    code: problem.code,
    // The path the caller sent, cut short: an error must not echo megabytes back.
    ...(instance === undefined ? {} : { instance: instance.slice(0, 500) }),
    ...(problem.errors ? { errors: problem.errors } : {}),
    ...problem.extensions,
  }
}

/** Shorthands for the problems services raise most. */
export const Problems = {
  validation: (errors: FieldError[], detail?: string) => new ProblemError('VALIDATION_FAILED', detail, errors),
  unauthorized: (detail?: string) =>
    new ProblemError('UNAUTHORIZED', detail, undefined, { 'www-authenticate': 'Bearer' }),
  forbidden: (detail?: string) => new ProblemError('FORBIDDEN', detail),
  notFound: (detail = 'No such resource.') => new ProblemError('NOT_FOUND', detail),
  slugTaken: (slug: string) => new ProblemError('SLUG_TAKEN', `The slug "${slug}" is already in use.`),
  preconditionFailed: (detail?: string) => new ProblemError('PRECONDITION_FAILED', detail),
  preconditionRequired: (detail?: string) => new ProblemError('PRECONDITION_REQUIRED', detail),
  unavailable: (detail?: string) => new ProblemError('SERVICE_UNAVAILABLE', detail, undefined, { 'retry-after': '5' }),
  internal: () => new ProblemError('INTERNAL_ERROR'),
} as const

/** The code for an HTTP error Fastify itself raises (bad JSON, wrong media type, body too large...). */
export function codeForStatus(status: number): ProblemCode {
  switch (status) {
    case 404:
      return 'NOT_FOUND'
    case 408:
      return 'REQUEST_TIMEOUT'
    case 413:
      return 'PAYLOAD_TOO_LARGE'
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE'
    case 429:
      return 'RATE_LIMITED'
    case 431:
      return 'REQUEST_HEADER_FIELDS_TOO_LARGE'
    case 503:
      return 'SERVICE_UNAVAILABLE'
    default:
      return status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'
  }
}
