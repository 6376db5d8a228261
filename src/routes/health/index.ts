import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Problems } from '../../errors.js'
import { ref, ProblemSchema } from '../../schemas/common.js'

const StatusSchema = Type.Object({ status: Type.Literal('ok') })

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health/live',
    {
      schema: {
        tags: ['service'],
        operationId: 'getLiveness',
        summary: 'Liveness: the process can serve requests',
        response: { 200: StatusSchema },
      },
    },
    async () => ({ status: 'ok' as const }),
  )

  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['service'],
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers',
        response: { 200: StatusSchema, 503: ref(ProblemSchema) },
      },
    },
    async () => {
      if (await app.services.health.databaseAnswers(2000)) return { status: 'ok' as const }
      throw Problems.unavailable('The database does not answer.')
    },
  )
}

export default healthRoutes
