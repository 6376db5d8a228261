import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'
import { sharedSchemas } from '../schemas/common.js'
import { AuthorSummarySchema } from '../schemas/author.js'
import { ArticleListSchema, ArticleSchema } from '../schemas/article.js'

export const API_VERSION = '1.0.0'

/**
 * The OpenAPI 3.1 document, generated from the same TypeBox schemas that validate requests
 * and serialize responses. Schemas with an `$id` become named components. Served as
 * /openapi.json and /openapi.yaml, with Swagger UI at /docs (assets ship in the npm package).
 */
export default fp(
  async (app) => {
    for (const schema of [...sharedSchemas, AuthorSummarySchema, ArticleSchema, ArticleListSchema]) {
      app.addSchema(schema)
    }

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
          { name: 'articles', description: 'Articles: drafts, scheduled and published' },
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

    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { deepLinking: true, persistAuthorization: true, tryItOutEnabled: false },
      staticCSP: true,
    })

    app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.send(app.swagger()))
    app.get('/openapi.yaml', { schema: { hide: true } }, async (_request, reply) =>
      reply.type('application/yaml; charset=utf-8').send(app.swagger({ yaml: true })),
    )
  },
  { name: 'swagger', dependencies: ['error-handler'] },
)
