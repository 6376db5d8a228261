import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import { Problems } from '../../errors.js'
import { problems } from '../../schemas/common.js'
import { sections } from '../common.js'

const StatusSchema = Type.Object({ status: Type.Literal('ok') })

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health/live',
    {
      schema: {
        tags: sections.service,
        operationId: 'getLiveness',
        summary: 'Liveness: the process can serve requests',
        description:
          'For process supervisors: 200 while the process runs, whatever the database. No token, no rate limit.',
        security: [],
        response: {
          200: Type.Unsafe<Static<typeof StatusSchema>>({
            description: 'The process can serve requests',
            content: { 'application/json': { schema: StatusSchema } },
          }),
        },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/health/ready',
    {
      schema: {
        tags: sections.service,
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers',
        description: 'For load balancers: 200 when the database answers within 2 s, else 503. No token, no rate limit.',
        security: [],
        response: {
          200: Type.Unsafe<Static<typeof StatusSchema>>({
            description: 'The database answers',
            content: { 'application/json': { schema: StatusSchema } },
          }),
          ...problems(503),
        },
      },
    },
    async () => {
      if (await app.services.health.databaseAnswers(2000)) return { status: 'ok' as const }
      throw Problems.unavailable('The database does not answer.')
    },
  )
}

export default healthRoutes
