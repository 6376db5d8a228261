import swagger from '@fastify/swagger'
import fp from 'fastify-plugin'
import type { TSchema } from 'typebox'
import * as articleSchemas from '../schemas/article.js'
import * as authorSchemas from '../schemas/author.js'
import * as commentSchemas from '../schemas/comment.js'
import { problems, sharedSchemas } from '../schemas/common.js'
import * as tokenSchemas from '../schemas/token.js'

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
export default fp(
  async (app) => {
    for (const schema of [...sharedSchemas, ...components(authorSchemas, articleSchemas, commentSchemas, tokenSchemas)]) {
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
      add(429, 431, 500)
    })

    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Broadsheet API',
          version: API_VERSION,
          description:
            'Headless CMS for newsrooms: articles, authors and comments. Errors are RFC 9457 ' +
            'application/problem+json with a stable `code`.',
          license: { name: 'MIT', identifier: 'MIT' },
        },
        tags: [
          { name: 'authors', description: 'Authors (email visible to editors, admins and the author only)' },
          { name: 'articles', description: 'Articles: drafts, scheduled and published' },
          { name: 'comments', description: 'Reader comments and moderation' },
          { name: 'tokens', description: 'API tokens and roles (admin only)' },
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
    })

    app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.send(app.swagger()))
    app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })),
    )
  },
  { name: 'swagger', dependencies: ['error-handler'] },
)
