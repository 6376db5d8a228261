import swagger from '@fastify/swagger'
import type { FastifyContextConfig } from 'fastify'
import fp from 'fastify-plugin'
import type { AddressInfo } from 'node:net'
import type { TSchema } from 'typebox'
import type { Config } from '../config.js'
import * as articleSchemas from '../schemas/article.js'
import * as authorSchemas from '../schemas/author.js'
import * as bulkSchemas from '../schemas/bulk.js'
import * as commentSchemas from '../schemas/comment.js'
import { problems, sharedSchemas } from '../schemas/common.js'
import { REQUEST_HEADERS, RESPONSE_HEADERS } from '../schemas/headers.js'
import * as previewSchemas from '../schemas/preview.js'
import * as revisionSchemas from '../schemas/revision.js'
import * as tokenSchemas from '../schemas/token.js'
import * as webhookSchemas from '../schemas/webhook.js'

export const API_VERSION = '1.0.0'

/** Every exported schema with an `$id` in the given modules: the named components. */
function components(...modules: Record<string, unknown>[]): TSchema[] {
  return modules
    .flatMap((m) => Object.values(m))
    .filter((v): v is TSchema => typeof v === 'object' && v !== null && typeof (v as { $id?: unknown }).$id === 'string')
}

/**
 * The OpenAPI 3.1 document, generated from the same TypeBox schemas that validate requests
 * and serialize responses. Schemas with an `$id` become named components. Served as
 * /openapi.json and /openapi.yaml; Swagger UI at /docs is the swagger-ui plugin.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    for (const schema of [...sharedSchemas, ...components(authorSchemas, articleSchemas, revisionSchemas, previewSchemas, bulkSchemas, commentSchemas, tokenSchemas, webhookSchemas)]) {
      app.addSchema(schema)
    }

    // Responses every operation of a kind can return, added in one place rather than per route:
    // any /api route answers 401 to a bad token and 503 when the database is down; a route
    // with inputs answers 400; a route with a body 408 (it stalled), 413 (too large) and 415
    // (not JSON); any route 431 (headers or query string too large).
    app.addHook('onRoute', (route) => {
      const schema = route.schema
      if (!schema || schema.hide) return
      const response = (schema.response ??= {}) as Record<string, unknown>
      const add = (...statuses: number[]) => {
        for (const [status, entry] of Object.entries(problems(...statuses))) response[status] ??= entry
      }
      if (route.url.startsWith('/api/')) {
        add(401, 503)
        // Public routes still read a token when one is sent (drafts, private fields), so the
        // document says authentication is optional there, and Swagger UI sends it.
        schema.security ??= [{}, { bearerAuth: [] }]
      }
      if (schema.querystring || schema.params || schema.body) add(400)
      if (schema.body) add(408, 413, 415)
      // Rate limits count /api requests (and unknown paths); health probes are exempt.
      if (route.url.startsWith('/api/')) add(429)
      add(431, 500)
    })

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Broadsheet API',
          version: API_VERSION,
          description:
            'Headless CMS for newsrooms: articles, authors and comments. Errors are RFC 9457 ' +
            'application/problem+json with a stable `code`. Single resources carry a strong ETag: send it back ' +
            'as If-Match to write (PATCH requires it) and as If-None-Match to revalidate. POSTs take an optional ' +
            'Idempotency-Key. Lists page with `limit` and `cursor` (or `page`).',
          contact: { name: 'Broadsheet maintainers (see the README)' },
          license: { name: 'MIT', identifier: 'MIT' },
        },
        tags: [
          { name: 'authors', description: 'Authors (email visible to editors, admins and the author only)' },
          { name: 'articles', description: 'Articles: drafts, scheduled and published; the trash, draft preview links, bulk actions' },
          { name: 'revisions', description: 'Article history: every change as an immutable revision; diffs; restoring old content' },
          { name: 'comments', description: 'Reader comments and moderation' },
          { name: 'tokens', description: 'API tokens and roles (admin only)' },
          { name: 'webhooks', description: 'Signed webhooks (Standard Webhooks) from the transactional outbox, their delivery log, and the CDN purge log (admin only)' },
          { name: 'service', description: 'Health and API description' },
        ],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token: `Authorization: Bearer <secret>`.' },
          },
        },
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
      // Headers, declared from what each route says it does (config.etag, config.ifMatch,
      // its method and path), in the document only: no request pays for validating them.
      transform: ({ schema, url, route }) => ({ schema: schema && !schema.hide ? (withHeaders(schema as Schema, route) as typeof schema) : schema, url }),
      // The document is built on its first request, after listen: the server is where it listens.
      // Without PUBLIC_URL the first server is relative ("/"): clients resolve it against the
      // address they fetched the document from, so Swagger UI opened as 127.0.0.1, a LAN address
      // or through a port mapping calls the API there, never a cross-origin localhost.
      transformObject: (document) => {
        const openapiObject = 'openapiObject' in document ? document.openapiObject : {}
        const address = app.server.address() as AddressInfo | null
        const listening = `http://localhost:${address?.port ?? config.PORT}`
        const servers = config.PUBLIC_URL
          ? [{ url: config.PUBLIC_URL, description: 'Production: this API at its public address (PUBLIC_URL)', 'x-internal': false }]
          : [
              { url: '/', description: 'Local: this server, at the address this document was fetched from (set PUBLIC_URL in production)', 'x-internal': false },
              { url: listening, description: 'Local: the address this server listens on', 'x-internal': false },
            ]
        return bodyExamples(integerFormats({ ...openapiObject, servers }))
      },
    })

    app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.send(app.swagger()))
    app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })),
    )
  },
  { name: 'swagger', dependencies: ['error-handler'] },
)

type Schema = Record<string, unknown>
type RouteFacts = {
  method: string | string[]
  url: string
  /** What the route declares for its headers (plugins/http-caching, plugins/auth), as the routes type it. */
  config?: Pick<FastifyContextConfig, 'etag' | 'ifMatch' | 'preview' | 'surrogateKeys' | 'vary'>
}

/**
 * The route's schema with the headers it reads as parameters and the headers it sends on each
 * response (a copy: the route's own schema, which validates requests, is left alone).
 */
function withHeaders(schema: Schema, route: RouteFacts): Schema {
  const methods = [route.method].flat()
  const api = route.url.startsWith('/api/')
  const params: Record<string, unknown> = {}
  if (route.config?.ifMatch) params['If-Match'] = REQUEST_HEADERS.ifMatch(route.config.ifMatch === 'required')
  if (route.config?.etag && methods.includes('GET')) params['If-None-Match'] = REQUEST_HEADERS.ifNoneMatch
  // Runtime header schemas name headers as Node delivers them (lower case); the document
  // spells them as on the wire (Idempotency-Key).
  const runtime = schema.headers as { properties?: Schema; required?: string[] } | undefined
  const headers = runtime && {
    ...runtime,
    properties: Object.fromEntries(Object.entries(runtime.properties ?? {}).map(([name, value]) => [wireName(name), value])),
    ...(runtime.required ? { required: runtime.required.map(wireName) } : {}),
  }
  const properties = { ...headers?.properties, ...params }
  const required = [...(headers?.required ?? []), ...(route.config?.ifMatch === 'required' ? ['If-Match'] : [])]
  const documented =
    Object.keys(properties).length === 0 ? undefined : { type: 'object', ...headers, properties, ...(required.length ? { required } : {}) }
  const response = Object.fromEntries(
    Object.entries((schema.response ?? {}) as Record<string, Schema>).map(([status, entry]) => {
      const sent: Record<string, unknown> = {}
      // plugins/http-caching: the ETag on every success with a body, and Link on lists.
      const etag = route.config?.etag
      if (etag && /^2\d\d$/.test(status) && status !== '204') {
        sent.ETag = etag === 'strong' ? RESPONSE_HEADERS.strongEtag : RESPONSE_HEADERS.weakEtag
        if (etag === 'weak') sent.Link = RESPONSE_HEADERS.linkNext
      }
      Object.assign(sent, { 'X-Request-Id': RESPONSE_HEADERS.requestId, 'Access-Control-Allow-Origin': RESPONSE_HEADERS.allowOrigin })
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
          Object.assign(sent, { 'Surrogate-Key': RESPONSE_HEADERS.surrogateKey, 'Cache-Tag': RESPONSE_HEADERS.cacheTag })
        }
        if (methods.includes('POST') && /^2/.test(status)) sent['Idempotent-Replayed'] = RESPONSE_HEADERS.idempotentReplayed
      }
      return [status, { ...entry, headers: { ...(entry.headers as Schema | undefined), ...sent } }]
    }),
  )
  return { ...schema, ...(documented ? { headers: documented } : {}), response }
}

/**
 * `format: int32` (or int64) on every integer, from its bounds, which every integer schema
 * here has: what code generators use to pick a type.
 */
function integerFormats<T>(node: T): T {
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
 * media type's `example`, which Swagger UI pre-fills. Every one is sent to the server by
 * test/contract/request-examples.test.ts.
 */
function bodyExamples<T extends { paths?: unknown; components?: unknown }>(document: T): T {
  const components = ((document.components as { schemas?: Record<string, Schema> } | undefined)?.schemas ?? {}) as Record<string, Schema>
  for (const operations of Object.values((document.paths ?? {}) as Record<string, Record<string, Schema>>)) {
    for (const operation of Object.values(operations)) {
      const content = (operation.requestBody as { content?: Record<string, Schema> } | undefined)?.content ?? {}
      for (const media of Object.values(content)) {
        const name = /^#\/components\/schemas\/(.+)$/.exec(String((media.schema as Schema | undefined)?.$ref ?? ''))?.[1]
        const examples = name ? (components[name]?.examples as unknown[] | undefined) : undefined
        if (examples?.length && media.example === undefined) media.example = examples[0]
      }
    }
  }
  return document
}

/** `idempotency-key` → `Idempotency-Key`. */
const wireName = (name: string) => name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase())
