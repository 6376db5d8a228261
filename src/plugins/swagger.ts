import swagger from '@fastify/swagger'
import type { preValidationHookHandler } from 'fastify'
import fp from 'fastify-plugin'
import type { AddressInfo } from 'node:net'
import type { TSchema } from 'typebox'
import type { Config } from '../config.js'
import * as articleSchemas from '../schemas/article.js'
import * as authorSchemas from '../schemas/author.js'
import * as bulkSchemas from '../schemas/bulk.js'
import * as commentSchemas from '../schemas/comment.js'
import { problems, sharedSchemas } from '../schemas/common.js'
import * as eventSchemas from '../schemas/events.js'
import * as feedSchemas from '../schemas/feed.js'
import * as mediaSchemas from '../schemas/media.js'
import * as previewSchemas from '../schemas/preview.js'
import * as revisionSchemas from '../schemas/revision.js'
import * as tagSchemas from '../schemas/tag.js'
import * as tokenSchemas from '../schemas/token.js'
import * as webhookSchemas from '../schemas/webhook.js'
import { sharedComponents } from './swagger-components.js'
import {
  bodyExamples,
  integerFormats,
  isApiRoute,
  optionalBodyRequests,
  withHeaders,
  withSparseAnswers,
  type Schema,
} from './swagger-operations.js'
import { withWebhooks } from './swagger-webhooks.js'

export const API_VERSION = '1.0.0'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The body may be left out: a request without one is handled as `{}` (publish now, a
     * one-hour preview link), and the document says so (`requestBody.required: false`).
     * Declared once, both follow from it, so they cannot disagree.
     */
    optionalBody?: boolean
    /**
     * The route reads a multipart/form-data body itself (an upload): the document shows this
     * schema as its `multipart/form-data` request body, and the 408, 413 and 415 a body can
     * bring. Fastify validates nothing for it; the route checks the fields.
     */
    multipartBody?: TSchema
  }
}

/** Every exported schema with an `$id` in the given modules: the named components. */
function components(...modules: Record<string, unknown>[]): TSchema[] {
  return modules
    .flatMap((m) => Object.values(m))
    .filter(
      (v): v is TSchema => typeof v === 'object' && v !== null && typeof (v as { $id?: unknown }).$id === 'string',
    )
}

/**
 * The OpenAPI 3.1 document, generated from the same TypeBox schemas that validate requests
 * and serialize responses. Schemas with an `$id` become named components. Each operation's
 * headers, examples and formats are added from what its route declares (swagger-operations.ts);
 * what many operations repeat is then said once (swagger-components.ts), and the `webhooks`
 * section describes every event a receiver gets (swagger-webhooks.ts). Served as /openapi.json
 * and /openapi.yaml; Swagger UI at /docs is the swagger-ui plugin.
 */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    /** The operationIds of the routes declaring `config.optionalBody`, as the document is built. */
    const optionalBodies = new Set<string>()
    for (const schema of [
      ...sharedSchemas,
      ...components(
        authorSchemas,
        articleSchemas,
        revisionSchemas,
        previewSchemas,
        bulkSchemas,
        commentSchemas,
        tagSchemas,
        tokenSchemas,
        webhookSchemas,
        eventSchemas,
        feedSchemas,
        mediaSchemas,
      ),
    ]) {
      app.addSchema(schema)
    }

    // Responses every operation of a kind can return, added in one place rather than per route:
    // any /api route answers 401 to a bad token and 503 when the database is down; a route
    // with inputs answers 400; a route with a body 408 (it stalled), 413 (too large) and 415
    // (not JSON); any route 431 (headers or query string too large).
    app.addHook('onRoute', (route) => {
      if (route.config?.optionalBody) {
        // Before validation: a missing body is validated (and handled) as an empty object.
        const optional: preValidationHookHandler = (request, _reply, done) => {
          request.body ??= {}
          done()
        }
        route.preValidation = [optional, ...[route.preValidation ?? []].flat()] as typeof route.preValidation
      }
      const schema = route.schema
      if (!schema || schema.hide) return
      const response = (schema.response ??= {}) as Record<string, unknown>
      const add = (...statuses: number[]) => {
        for (const [status, entry] of Object.entries(problems(...statuses))) response[status] ??= entry
      }
      // The public reads outside /api (feeds, sitemaps, images) read tokens too, and are rate-limited.
      const api = isApiRoute(route)
      if (api) {
        add(401, 503)
        // Public routes still read a token when one is sent (drafts, private fields), so the
        // document says authentication is optional there, and Swagger UI sends it.
        schema.security ??= [{}, { bearerAuth: [] }]
      }
      if (schema.querystring || schema.params || schema.body) add(400)
      if (schema.body || route.config?.multipartBody) add(408, 413, 415)
      // Rate limits count /api requests (and unknown paths); health probes are exempt.
      if (api) add(429)
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
          {
            name: 'articles',
            description: 'Articles: drafts, scheduled and published; the trash, draft preview links, bulk actions',
          },
          {
            name: 'revisions',
            description: 'Article history: every change as an immutable revision; diffs; restoring old content',
          },
          { name: 'comments', description: 'Reader comments and moderation' },
          { name: 'tokens', description: 'API tokens and roles (admin only)' },
          {
            name: 'webhooks',
            description:
              'Signed webhooks (Standard Webhooks) from the transactional outbox, their delivery log, and the CDN purge log ' +
              '(admin only). Every event a receiver gets, with its body and headers, is in the `webhooks` section.',
          },
          {
            name: 'feeds',
            description:
              'RSS, Atom and JSON feeds and sitemaps (outside /api/v1): published articles, with frontend URLs',
          },
          {
            name: 'media',
            description:
              'Images: uploads checked by their bytes and stripped of metadata, their text and focal point, and the ' +
              'fixed variants (outside /api/v1) made from them',
          },
          { name: 'service', description: 'Health, metrics and API description' },
        ],
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              description: 'An API token: `Authorization: Bearer <secret>`.',
            },
          },
        },
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
      // Headers, declared from what each route says it does (config.etag, config.ifMatch,
      // its method and path), in the document only: no request pays for validating them.
      transform: ({ schema, url, route }) => {
        if (route.config?.optionalBody && typeof schema?.operationId === 'string')
          optionalBodies.add(schema.operationId)
        const multipart = route.config?.multipartBody
        const documented =
          schema && multipart
            ? {
                ...schema,
                body: { $ref: `${String((multipart as { $id?: string }).$id)}#` },
                consumes: ['multipart/form-data'],
              }
            : schema
        return {
          schema:
            documented && !documented.hide
              ? (withHeaders(withSparseAnswers(documented as Schema), route) as typeof schema)
              : documented,
          url,
        }
      },
      // The document is built on its first request, after listen: the server is where it listens.
      // Without PUBLIC_URL the first server is relative ("/"): clients resolve it against the
      // address they fetched the document from, so Swagger UI opened as 127.0.0.1, a LAN address
      // or through a port mapping calls the API there, never a cross-origin localhost.
      transformObject: (document) => {
        const openapiObject = 'openapiObject' in document ? document.openapiObject : {}
        const address = app.server.address() as AddressInfo | null
        const listening = `http://localhost:${address?.port ?? config.PORT}`
        const servers = config.PUBLIC_URL
          ? [
              {
                url: config.PUBLIC_URL,
                description: 'Production: this API at its public address (PUBLIC_URL)',
                'x-internal': false,
              },
            ]
          : [
              {
                url: '/',
                description:
                  'Local: this server, at the address this document was fetched from (set PUBLIC_URL in production)',
                'x-internal': false,
              },
              { url: listening, description: 'Local: the address this server listens on', 'x-internal': false },
            ]
        return withWebhooks(
          sharedComponents(
            optionalBodyRequests(bodyExamples(integerFormats({ ...openapiObject, servers })), optionalBodies),
          ),
        )
      },
    })

    app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.send(app.swagger()))
    app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })),
    )
  },
  { name: 'swagger', dependencies: ['error-handler'] },
)
