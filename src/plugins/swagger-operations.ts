import type { FastifyContextConfig } from 'fastify'
import * as articleSchemas from '../schemas/article.js'
import { REQUEST_HEADERS, RESPONSE_HEADERS } from '../schemas/headers.js'
import * as previewSchemas from '../schemas/preview.js'

/**
 * What the OpenAPI document says about each operation beyond its route's schema: the headers it
 * reads and sends (from what the route declares), integer formats, request body examples and
 * optional bodies. Used by plugins/swagger.ts as it builds the document.
 */

/** Request body examples by name, for the components whose first example is not the only useful one. */
const NAMED_EXAMPLES: Record<string, Record<string, { summary: string; value: unknown }>> = {
  PublishArticle: articleSchemas.PUBLISH_EXAMPLES,
  CreatePreview: previewSchemas.PREVIEW_EXAMPLES,
}

export type Schema = Record<string, unknown>
type RouteFacts = {
  method: string | string[]
  url: string
  /** What the route declares for its headers (plugins/http-caching, plugins/auth), as the routes type it. */
  config?: Pick<FastifyContextConfig, 'etag' | 'ifMatch' | 'preview' | 'surrogateKeys' | 'vary'>
}

/**
 * Whether a route is one of the API's for the document: under /api, or a public read outside it
 * that reads tokens and is rate-limited like them (feeds and sitemaps, which carry surrogate
 * keys; the image files under /media/; the admin's /metrics).
 */
export function isApiRoute(route: Pick<RouteFacts, 'url' | 'config'>): boolean {
  return (
    route.url.startsWith('/api/') ||
    route.url.startsWith('/media/') ||
    route.url === '/metrics' ||
    route.config?.surrogateKeys === true
  )
}

/**
 * The route's schema with the headers it reads as parameters and the headers it sends on each
 * response (a copy: the route's own schema, which validates requests, is left alone).
 */
export function withHeaders(schema: Schema, route: RouteFacts): Schema {
  const methods = [route.method].flat()
  // The public reads outside /api (feeds, sitemaps, images) are rate-limited like the API's.
  const api = isApiRoute(route)
  const params: Record<string, unknown> = {}
  if (route.config?.ifMatch) params['If-Match'] = REQUEST_HEADERS.ifMatch(route.config.ifMatch === 'required')
  if (route.config?.etag && methods.includes('GET')) params['If-None-Match'] = REQUEST_HEADERS.ifNoneMatch
  // Runtime header schemas name headers as Node delivers them (lower case); the document
  // spells them as on the wire (Idempotency-Key).
  const runtime = schema.headers as { properties?: Schema; required?: string[] } | undefined
  const headers = runtime && {
    ...runtime,
    properties: Object.fromEntries(
      Object.entries(runtime.properties ?? {}).map(([name, value]) => [wireName(name), value]),
    ),
    ...(runtime.required ? { required: runtime.required.map(wireName) } : {}),
  }
  const properties = { ...headers?.properties, ...params }
  const required = [...(headers?.required ?? []), ...(route.config?.ifMatch === 'required' ? ['If-Match'] : [])]
  const documented =
    Object.keys(properties).length === 0
      ? undefined
      : { type: 'object', ...headers, properties, ...(required.length ? { required } : {}) }
  const response = Object.fromEntries(
    Object.entries((schema.response ?? {}) as Record<string, Schema>).map(([status, entry]) => {
      const sent: Record<string, unknown> = {}
      // plugins/http-caching: the ETag on every success with a body, and Link on lists.
      const etag = route.config?.etag
      if (etag && /^2\d\d$/.test(status) && status !== '204') {
        sent.ETag = etag === 'strong' ? RESPONSE_HEADERS.strongEtag : RESPONSE_HEADERS.weakEtag
        if (etag === 'weak' && route.url.startsWith('/api/')) sent.Link = RESPONSE_HEADERS.linkNext
      }
      Object.assign(sent, {
        'X-Request-Id': RESPONSE_HEADERS.requestId,
        'Access-Control-Allow-Origin': RESPONSE_HEADERS.allowOrigin,
      })
      if (api) {
        Object.assign(sent, {
          'RateLimit-Limit': RESPONSE_HEADERS.rateLimitLimit,
          'RateLimit-Remaining': RESPONSE_HEADERS.rateLimitRemaining,
          'RateLimit-Reset': RESPONSE_HEADERS.rateLimitReset,
          Vary: route.config?.vary ? RESPONSE_HEADERS.varyAccept : RESPONSE_HEADERS.vary,
        })
        if (methods.includes('GET')) sent['Cache-Control'] = RESPONSE_HEADERS.cacheControl
        if (route.config?.preview) sent['X-Robots-Tag'] = RESPONSE_HEADERS.robotsTag
        if (route.config?.surrogateKeys && /^2\d\d$/.test(status)) {
          Object.assign(sent, {
            'Surrogate-Key': RESPONSE_HEADERS.surrogateKey,
            'Cache-Tag': RESPONSE_HEADERS.cacheTag,
          })
        }
        if (methods.includes('POST') && /^2/.test(status))
          sent['Idempotent-Replayed'] = RESPONSE_HEADERS.idempotentReplayed
      }
      // What the route declares itself (an image's own Cache-Control) says more than the default.
      return [status, { ...entry, headers: { ...sent, ...(entry.headers as Schema | undefined) } }]
    }),
  )
  return { ...schema, ...(documented ? { headers: documented } : {}), response }
}

/**
 * `format: int32` (or int64) on every integer, from its bounds, which every integer schema
 * here has: what code generators use to pick a type.
 */
export function integerFormats<T>(node: T): T {
  if (Array.isArray(node)) return node.map(integerFormats) as T
  if (node === null || typeof node !== 'object') return node
  const entries = Object.entries(node).map(([key, value]) => [key, integerFormats(value)] as const)
  const result = Object.fromEntries(entries) as Schema
  const types = [result.type].flat()
  if (types.includes('integer') && result.format === undefined) {
    const int32 = (n: unknown) => typeof n === 'number' && Math.abs(n) <= 2 ** 31 - 1
    result.format = int32(result.minimum) && int32(result.maximum) ? 'int32' : 'int64'
  }
  return result as T
}

/**
 * Each request body's example: the first of its component's `examples` (schemas/*.ts), as the
 * media type's `example`, which Swagger UI pre-fills; or, for the components in NAMED_EXAMPLES,
 * all of them by name as `examples` (Swagger UI pre-fills the first and offers the others).
 * Every one is sent to the server by test/contract/request-examples.test.ts.
 */
export function bodyExamples<T extends { paths?: unknown; components?: unknown }>(document: T): T {
  const components = ((document.components as { schemas?: Record<string, Schema> } | undefined)?.schemas ??
    {}) as Record<string, Schema>
  for (const operations of Object.values((document.paths ?? {}) as Record<string, Record<string, Schema>>)) {
    for (const operation of Object.values(operations)) {
      const content = (operation.requestBody as { content?: Record<string, Schema> } | undefined)?.content ?? {}
      for (const media of Object.values(content)) {
        const name = /^#\/components\/schemas\/(.+)$/.exec(
          String((media.schema as Schema | undefined)?.$ref ?? ''),
        )?.[1]
        const examples = name ? (components[name]?.examples as unknown[] | undefined) : undefined
        const named = name ? NAMED_EXAMPLES[name] : undefined
        if (named) media.examples ??= named
        else if (examples?.length && media.example === undefined) media.example = examples[0]
      }
    }
  }
  return document
}

/** The schema of a sparse answer (`fields=`) for each full one (schemas/fields.ts). */
const SPARSE: Record<string, string> = {
  Article: 'ArticleFields',
  ArticleList: 'ArticleFieldsList',
  Author: 'AuthorFields',
  AuthorList: 'AuthorFieldsList',
  Comment: 'CommentFields',
  CommentList: 'CommentFieldsList',
}

/**
 * For an operation that takes `fields`, its 200 answer is documented as the full schema or the
 * sparse one (only the named fields): the route itself keeps the full schema, which is what
 * serializes the answer without `fields` (a sparse answer is serialized as it is made).
 */
export function withSparseAnswers(schema: Schema): Schema {
  const query = schema.querystring as { properties?: Schema } | undefined
  const ok = (schema.response as Record<string, Schema> | undefined)?.['200']
  const name = /^([A-Za-z]+)#$/.exec(String(ok?.$ref ?? ''))?.[1]
  if (!query?.properties?.fields || !ok || !name || !SPARSE[name]) return schema
  const { $ref, ...rest } = ok
  return {
    ...schema,
    response: {
      ...(schema.response as Schema),
      200: { ...rest, anyOf: [{ $ref }, { $ref: `${SPARSE[name]}#` }] },
    },
  }
}

/** `idempotency-key` → `Idempotency-Key`. */
const wireName = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase())

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/** Every operation object of the document. */
export function operationsOf(document: { paths?: unknown }): Schema[] {
  return Object.values((document.paths ?? {}) as Record<string, Record<string, Schema>>).flatMap((item) =>
    HTTP_METHODS.flatMap((method) => (item[method] ? [item[method]] : [])),
  )
}

/** `requestBody.required: false` on the operations whose routes declare `config.optionalBody`. */
export function optionalBodyRequests<T extends { paths?: unknown }>(document: T, operationIds: ReadonlySet<string>): T {
  for (const operation of operationsOf(document)) {
    const body = operation.requestBody as Schema | undefined
    if (body && operationIds.has(String(operation.operationId))) body.required = false
  }
  return document
}
