import fp from 'fastify-plugin'
import { createArticleService, type ArticleService } from '../services/articles.js'
import { createAuthorService, type AuthorService } from '../services/authors.js'
import { createCommentService, type CommentService } from '../services/comments.js'
import { createHealthService, type HealthService } from '../services/health.js'
import { createIdempotencyService, type IdempotencyService } from '../services/idempotency.js'
import { CursorCodec, type Query } from '../services/list.js'
import { sharedSecret } from '../services/settings.js'
import { createTokenService, type TokenService } from '../services/tokens.js'

export interface Services {
  articles: ArticleService
  authors: AuthorService
  comments: CommentService
  health: HealthService
  idempotency: IdempotencyService
  tokens: TokenService
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

/** Services are the only code that queries the database; routes call them. */
export default fp(
  async (app) => {
    // Loaded on first use, so an app built without migrations (e.g. to render OpenAPI) starts.
    let codec: Promise<CursorCodec> | undefined
    const cursors = () =>
      (codec ??= sharedSecret(app.db.prisma, 'cursor-signing-key').then(
        (key) => new CursorCodec(key),
        (error: unknown) => {
          codec = undefined // try again on the next request
          throw error
        },
      ))
    const query = app.db.query.bind(app.db) as Query
    const articles = createArticleService(app.db.prisma, { cursors, query })
    app.decorate('services', {
      articles,
      authors: createAuthorService(app.db.prisma, { cursors, query }),
      comments: createCommentService(app.db.prisma, { cursors, query, articles }),
      health: createHealthService(app.db.prisma),
      idempotency: createIdempotencyService(app.db.prisma),
      tokens: createTokenService(app.db.prisma, query),
    } satisfies Services)
  },
  { name: 'services', dependencies: ['database'] },
)
