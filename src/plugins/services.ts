import fp from 'fastify-plugin'
import { createArticleService, type ArticleService } from '../services/articles.js'
import { createHealthService, type HealthService } from '../services/health.js'

export interface Services {
  articles: ArticleService
  health: HealthService
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

/** Services are the only code that queries the database; routes call them. */
export default fp(
  async (app) => {
    app.decorate('services', {
      articles: createArticleService(app.db.prisma),
      health: createHealthService(app.db.prisma),
    } satisfies Services)
  },
  { name: 'services', dependencies: ['database'] },
)
