import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problems } from '../../schemas/common.js'
import { MetricsResponse } from '../../schemas/metrics.js'
import { sections, security } from '../common.js'

/** GET /metrics: what plugins/metrics measures, for a Prometheus server holding an admin token. */
const metricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/metrics',
    {
      preParsing: app.requireRole('admin'),
      schema: {
        tags: sections.service,
        operationId: 'getMetrics',
        summary: 'Prometheus metrics (admin only)',
        description:
          'For Prometheus, with an admin token: request durations by route, delivery outcomes, the outbox lag, the ' +
          'read cache, the database pool and the Node.js process metrics. Each process answers for its own. Never cached.',
        security,
        response: { 200: MetricsResponse, ...problems(401, 403, 429) },
      },
    },
    async (_request, reply) => {
      const text = await app.metrics.exposition()
      return reply.header('cache-control', 'no-store').type(app.metrics.contentType).send(text)
    },
  )
}

export default metricsRoutes
