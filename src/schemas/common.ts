import { Type, type Static, type TSchema } from 'typebox'

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

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' })
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601 UTC timestamp' })
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI identifying the problem type.', examples: ['urn:broadsheet:problem:not-found'] }),
    title: Type.String({ examples: ['Not found'] }),
    status: Type.Integer({ minimum: 400, maximum: 599, examples: [404] }),
    detail: Type.String({ examples: ['No such article.'] }),
    code: Type.String({
      description: 'Stable machine-readable error code, e.g. VALIDATION_FAILED, NOT_FOUND, SLUG_TAKEN.',
      examples: ['NOT_FOUND'],
    }),
    instance: Type.Optional(Type.String({ description: 'The request path.' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'JSON Pointer into the request, prefixed by its part.', examples: ['/body/title'] }),
          message: Type.String({ examples: ['is required'] }),
        }),
      ),
    ),
  },
  { $id: 'Problem', title: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' },
)

export const ListMetaSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100 }),
    nextCursor: Nullable(Type.String({ description: 'Opaque cursor for the next page; null on the last page.' })),
    page: Type.Optional(Type.Integer({ minimum: 1 })),
    total: Type.Optional(Type.Integer({ minimum: 0, description: 'Absent when count=false.' })),
    pageCount: Type.Optional(Type.Integer({ minimum: 0, description: 'Absent when count=false.' })),
  },
  { $id: 'ListMeta', title: 'ListMeta' },
)

export const PaginationQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, 1..100.' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1-based page number. Not with cursor.' })),
  count: Type.Optional(Type.Boolean({ default: true, description: 'false skips total and pageCount.' })),
}

/** Schemas registered with `addSchema`, i.e. the named OpenAPI components. */
export const sharedSchemas: TSchema[] = [ProblemSchema, ListMetaSchema]
