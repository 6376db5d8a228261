import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { createArticleService, type ArticleService } from '../services/articles.js'
import { createAuthorService, type AuthorService } from '../services/authors.js'
import { createCommentService, type CommentService } from '../services/comments.js'
import { createHealthService, type HealthService } from '../services/health.js'
import { createIdempotencyService, type IdempotencyService } from '../services/idempotency.js'
import { createPreviewService, type PreviewService } from '../services/previews.js'
import { createRevisionService, type RevisionService } from '../services/revisions.js'
import { CursorCodec } from '../db/paging.js'
import { sharedSecret } from '../services/settings.js'
import { createTokenService, type TokenService } from '../services/tokens.js'

export interface Services {
  articles: ArticleService
  authors: AuthorService
  comments: CommentService
  health: HealthService
  idempotency: IdempotencyService
  previews: PreviewService
  revisions: RevisionService
  tokens: TokenService
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

/** Services hold the rules and call the statements of src/db/queries; routes call services. */
export default fp<{ config: Config }>(
  async (app, { config }) => {
    // Loaded on first use, so an app built without migrations (e.g. to render OpenAPI) starts.
    let codec: Promise<CursorCodec> | undefined
    const cursors = () =>
      (codec ??= sharedSecret(app.db, 'cursor-signing-key').then(
        (key) => new CursorCodec(key),
        (error: unknown) => {
          codec = undefined // try again on the next request
          throw error
        },
      ))
    const { db } = app
    const articles = createArticleService(db, {
      cursors,
      revisionsKeep: config.REVISIONS_KEEP,
      trashRetentionDays: config.TRASH_RETENTION_DAYS,
    })
    app.decorate('services', {
      articles,
      authors: createAuthorService(db, { cursors }),
      comments: createCommentService(db, { cursors, articles }),
      health: createHealthService(db),
      idempotency: createIdempotencyService(db),
      previews: createPreviewService(db, { articles, previewUrl: config.PREVIEW_URL }),
      revisions: createRevisionService(db, { cursors, articles }),
      tokens: createTokenService(db),
    } satisfies Services)
  },
  { name: 'services', dependencies: ['database'] },
)
