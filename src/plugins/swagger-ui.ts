import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/** Swagger UI at /docs, on the document the swagger plugin builds (assets ship in the npm package). */
export default fp(
  async (app) => {
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // validatorUrl null: the UI would otherwise fetch a badge from an outside validator service.
      uiConfig: { deepLinking: true, persistAuthorization: true, tryItOutEnabled: false, validatorUrl: null },
      staticCSP: true,
    })
  },
  { name: 'swagger-ui', dependencies: ['swagger'] },
)
