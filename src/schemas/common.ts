import { Type, type Static, type TSchema } from 'typebox'
import { CATALOGUE, MAX_FIELD_ERRORS, problemType, type ProblemCode } from '../errors.js'
import { RESPONSE_HEADERS } from './headers.js'

export const SLUG_PATTERN = '^[a-z0-9]+(?:-[a-z0-9]+)*$'
export const SLUG_MAX_LENGTH = 120

/**
 * A `$ref` to a named component, typed as the schema it points to. Fastify resolves the
 * reference against schemas added with `addSchema`, and @fastify/swagger turns each into a
 * named OpenAPI component, so a resource is described once and referenced everywhere.
 */
export function ref<T extends TSchema>(schema: T): T {
  const id = (schema as { $id?: string }).$id
  if (!id) throw new Error('ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>({ $ref: `${id}#` }) as unknown as T
}

export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options })
}

export const Uuid = Type.String({ format: 'uuid', maxLength: 36, description: 'UUID' })
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC timestamp' })
/**
 * A timestamp a client sends: RFC 3339 like Timestamp, but only instants the database can
 * store and JavaScript can represent (years 1900–9999, no leap second 23:59:60).
 */
export const TimestampInput = Type.String({
  format: 'date-time',
  maxLength: 40,
  pattern:
    '^(19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$',
  description: 'RFC 3339 date-time, years 1900–9999, e.g. 2026-12-01T08:00:00Z',
})
/**
 * `T` or null, as `type: [T's type, "null"]` rather than `anyOf: [T, null]`: the same JSON
 * Schema meaning (format and pattern only constrain strings), but fast-json-stringify
 * serialises a type list with a typeof check, where an anyOf made it run Ajv, format checks
 * included, on every value of every response (a measurable share of a list's cost).
 */
export const Nullable = <T extends TSchema & { type: string }>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] })

const problemFields = {
  type: Type.String({ description: 'URI identifying the problem type: urn:broadsheet:problem:<code, kebab-case>.' }),
  title: Type.String({ description: 'Short, human-readable summary of the problem type.' }),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.String({ description: 'What went wrong with this request.' }),
  code: Type.String({
    description: `Stable machine-readable error code, one of: ${Object.keys(CATALOGUE).join(', ')}. New codes may be added.`,
    examples: ['NOT_FOUND'],
  }),
  instance: Type.Optional(Type.String({ description: 'The request path.' })),
  errors: Type.Optional(
    Type.Array(
      Type.Object({
        path: Type.String({
          description: 'JSON Pointer into the request, prefixed by its part.',
          examples: ['/body/title'],
        }),
        message: Type.String({ examples: ['is required'] }),
      }),
      {
        maxItems: MAX_FIELD_ERRORS,
        description: `VALIDATION_FAILED: each invalid field (at most ${MAX_FIELD_ERRORS}).`,
      },
    ),
  ),
}

/** The problem of one item of a bulk request: what the single-item route would have answered. */
export const ItemProblemSchema = Type.Object(problemFields, {
  $id: 'ItemProblem',
  title: 'ItemProblem',
  description: 'RFC 9457 problem details of one bulk item: what the single-item route would have answered.',
})

export const BulkItemResultSchema = Type.Object(
  {
    id: Type.String({ description: 'The id (or slug) as sent.' }),
    status: Type.Integer({
      minimum: 200,
      maximum: 599,
      description: 'The HTTP status this item would have had alone (200, 204, 403, 404, …).',
    }),
    problem: Type.Optional(ref(ItemProblemSchema)),
  },
  { $id: 'BulkItemResult', title: 'BulkItemResult' },
)
export type BulkItemResult = Static<typeof BulkItemResultSchema>

export const BulkResultSchema = Type.Object(
  { results: Type.Array(ref(BulkItemResultSchema), { maxItems: 100, description: 'One per id, in request order.' }) },
  { $id: 'BulkResult', title: 'BulkResult', description: 'Per-item results of a bulk request.' },
)
export type BulkResult = Static<typeof BulkResultSchema>

export const ProblemSchema = Type.Object(
  {
    ...problemFields,
    results: Type.Optional(
      Type.Array(ref(BulkItemResultSchema), {
        maxItems: 100,
        description: 'BULK_ABORTED: what each item would have answered; nothing was changed.',
      }),
    ),
  },
  { $id: 'Problem', title: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' },
)

export const ListMetaSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100 }),
    nextCursor: Nullable(Type.String({ description: 'Opaque cursor for the next page; null on the last page.' })),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    total: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Absent when count=false.' })),
    pageCount: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Absent when count=false.' }),
    ),
  },
  { $id: 'ListMeta', title: 'ListMeta' },
)

/** `{ data: [item], meta }`, the shape of every list, as the named component `id`. */
export function ListOf<T extends TSchema>(item: T, id: string) {
  return Type.Object(
    { data: Type.Array(ref(item), { maxItems: 100 }), meta: ref(ListMetaSchema) },
    { $id: id, title: id },
  )
}

/** A client-chosen slug; made from `source` (the title, the name) when not given. */
export function SlugInput(source: string) {
  return Type.String({
    minLength: 1,
    maxLength: SLUG_MAX_LENGTH,
    pattern: SLUG_PATTERN,
    description: `Lowercase letters, digits and single hyphens. Made from the ${source} when not given.`,
  })
}

/** Query parameters every list takes. */
export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1..100.' })),
  page: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 100_000, description: '1-based page number. Not with cursor.' }),
  ),
  cursor: Type.Optional(
    // Bounded by construction: a cursor holds the sort values of one row, and the longest
    // (a 300-character title of six-byte JSON escapes, test/unit/cursor.test.ts) fits.
    Type.String({
      minLength: 1,
      maxLength: 4096,
      description: 'Opaque: meta.nextCursor of the previous page. Not with page.',
    }),
  ),
  count: Type.Optional(Type.Boolean({ default: true, description: 'false skips total and pageCount (faster).' })),
}

/** The query of a list that takes nothing but paging (webhooks, preview links). */
export const PageQuerySchema = Type.Object({ ...ListQuery }, { additionalProperties: false })

export const IdParamsSchema = Type.Object({ id: Uuid }, { additionalProperties: false })
export const IdOrSlugParamsSchema = Type.Object(
  { idOrSlug: Type.String({ minLength: 1, maxLength: 200, description: 'A UUID is an id; anything else a slug.' }) },
  { additionalProperties: false },
)

/** Schemas registered with `addSchema`, i.e. the named OpenAPI components. */
export const sharedSchemas: TSchema[] = [
  ItemProblemSchema,
  BulkItemResultSchema,
  BulkResultSchema,
  ProblemSchema,
  ListMetaSchema,
]

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (VALIDATION_FAILED lists every bad field)',
  401: 'Missing, malformed, unknown or revoked bearer token',
  403: 'The token may not do this',
  404: 'Not found (also for drafts the caller may not see)',
  409: 'Conflict, e.g. SLUG_TAKEN',
  412: 'If-Match does not match the current ETag',
  408: 'The request body did not arrive in time (REQUEST_TIMEOUT_MS)',
  413: 'Request body too large',
  415: 'Unsupported media type: bodies are application/json (uploads multipart/form-data, images judged by their bytes)',
  422: 'Unprocessable: an Idempotency-Key reused with a different body, or an image that does not decode',
  428: 'If-Match is required',
  429: 'Rate limited; see Retry-After',
  431: 'Request line (query string) or headers too large',
  500: 'Unexpected server error (no details are disclosed)',
  503: 'Database unavailable; see Retry-After',
}

/** Catalogue codes by status, in catalogue order: the examples a status's response shows. */
const CODES_BY_STATUS = new Map<number, ProblemCode[]>()
for (const code of Object.keys(CATALOGUE) as ProblemCode[]) {
  const { status } = CATALOGUE[code]
  CODES_BY_STATUS.set(status, [...(CODES_BY_STATUS.get(status) ?? []), code])
}

/** The problem a code answers with, as an example: what the catalogue makes of it. */
function problemExample(code: ProblemCode) {
  const { status, title, detail } = CATALOGUE[code]
  return {
    type: problemType(code),
    title,
    status,
    detail,
    code,
    ...(code === 'VALIDATION_FAILED' ? { errors: [{ path: '/body/title', message: 'is required' }] } : {}),
  }
}

/** `response` entries for the problem+json errors an operation can return, one example per code. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(
    statuses.map((status) => {
      const headers =
        status === 429 || status === 503
          ? { 'Retry-After': RESPONSE_HEADERS.retryAfter }
          : status === 401
            ? { 'WWW-Authenticate': RESPONSE_HEADERS.wwwAuthenticate }
            : undefined
      const codes = CODES_BY_STATUS.get(status) ?? ['INTERNAL_ERROR']
      return [
        status,
        Type.Unsafe({
          description: PROBLEM_DESCRIPTIONS[status] ?? 'Error',
          ...(headers ? { headers } : {}),
          content: {
            'application/problem+json': {
              schema: { $ref: 'Problem#' },
              examples: Object.fromEntries(
                codes.map((code) => [code, { summary: CATALOGUE[code].title, value: problemExample(code) }]),
              ),
            },
          },
        }),
      ]
    }),
  )
}

/** A `$ref` to a named component, with the description of this particular response. */
export function described<T extends TSchema>(schema: T, description: string): T {
  return Type.Unsafe<Static<T>>({ ...ref(schema), description }) as unknown as T
}

/** A response without a body (204, 304). */
export const NoBody = (description: string) => Type.Unsafe<undefined>({ type: 'null', description })
