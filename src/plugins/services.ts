import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.js'
import { createArticleService, type ArticleService } from '../services/articles.js'
import { createAuthorService, type AuthorService } from '../services/authors.js'
import { createBulkService, type BulkService } from '../services/bulk.js'
import { createCommentService, type CommentService } from '../services/comments.js'
import { createHealthService, type HealthService } from '../services/health.js'
import { createIdempotencyService, type IdempotencyService } from '../services/idempotency.js'
import { cdnTargets } from '../services/cdn.js'
import { createDeliveryService, type DeliveryService } from '../services/deliveries.js'
import { createFeedService, type FeedService } from '../services/feeds.js'
import { createPreviewService, type PreviewService } from '../services/previews.js'
import { createGoLive, type GoLive } from '../services/go-live.js'
import { createWebhookService, type WebhookService } from '../services/webhooks.js'
import { loadSecretBox } from '../services/secret-box.js'
import { createRevisionService, type RevisionService } from '../services/revisions.js'
import { CursorCodec } from '../db/paging.js'
import { sharedSecret } from '../services/settings.js'
import { createTokenService, type TokenService } from '../services/tokens.js'
import { createTagService, type TagService } from '../services/tags.js'
import { createTrashService, type TrashService } from '../services/trash.js'
import { siteFrom, type Site } from '../services/site.js'
import { createSitemapService, type SitemapService } from '../services/sitemaps.js'
import { createMediaService, openMediaStore, type MediaService } from '../services/media.js'

export interface Services {
  articles: ArticleService
  authors: AuthorService
  bulk: BulkService
  comments: CommentService
  feeds: FeedService
  health: HealthService
  idempotency: IdempotencyService
  media: MediaService
  previews: PreviewService
  revisions: RevisionService
  sitemaps: SitemapService
  tags: TagService
  tokens: TokenService
  trash: TrashService
  webhooks: WebhookService
  deliveries: DeliveryService
  goLive: GoLive
  /** The frontend's addresses (feeds, sitemaps, structured data). */
  site: Site
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

/**
 * At start, stored webhook secrets not under the current key (plaintext, or an older key) are
 * encrypted under it. A failure is logged, never fatal: unsealed secrets still sign, and the
 * next start tries again. A database not migrated yet (the OpenAPI render) has nothing to seal.
 */
async function sealWebhookSecrets(app: FastifyInstance, webhooks: WebhookService): Promise<void> {
  try {
    const { sealed, unreadable, unreadableKeys } = await webhooks.sealStoredSecrets()
    if (sealed > 0) app.log.info({ count: sealed }, 'encrypted stored webhook secrets under the current SECRETS_KEY')
    if (unreadable > 0) {
      app.log.error(
        { count: unreadable, keyIds: unreadableKeys },
        'stored webhook secrets no configured key decrypts: their deliveries fail until the key they name is in SECRETS_KEY again',
      )
    }
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return // undefined_table: not migrated
    app.log.warn({ err: error }, 'could not encrypt stored webhook secrets; the next start tries again')
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
    const goLive = createGoLive(db)
    const site = siteFrom(config)
    const articles = createArticleService(db, {
      site,
      cursors,
      revisionsKeep: config.REVISIONS_KEEP,
      scheduled: (at) => goLive.scheduled(at),
    })
    const allowPrivateNetworks = config.WEBHOOK_ALLOW_PRIVATE_NETWORKS
    // Webhook signing secrets are encrypted at rest (SECRETS_KEY, or the embedded database's key file).
    const secrets = await loadSecretBox(config, app.log)
    const webhooks = createWebhookService(db, {
      cursors,
      allowPrivateNetworks,
      overlapHours: config.WEBHOOK_SECRET_OVERLAP_HOURS,
      secrets,
    })
    const store = openMediaStore(config)
    app.addHook('onClose', () => store.close())
    app.decorate('services', {
      articles,
      authors: createAuthorService(db, { cursors, site }),
      bulk: createBulkService(db, { articles }),
      comments: createCommentService(db, { cursors, articles }),
      feeds: createFeedService(db, { site }),
      health: createHealthService(db),
      idempotency: createIdempotencyService(db),
      media: createMediaService(db, {
        cursors,
        store,
        limits: {
          maxBytes: config.MEDIA_MAX_BYTES,
          maxPixels: config.MEDIA_MAX_PIXELS,
          allowSvg: config.MEDIA_ALLOW_SVG,
        },
        site,
      }),
      previews: createPreviewService(db, { articles, cursors, previewUrl: config.PREVIEW_URL }),
      revisions: createRevisionService(db, {
        cursors,
        articles,
        diffMaxLines: config.DIFF_MAX_LINES,
        diffsPerToken: config.DIFF_CONCURRENT_PER_TOKEN,
      }),
      sitemaps: createSitemapService(db, { site }),
      tags: createTagService(db, { cursors }),
      tokens: createTokenService(db),
      trash: createTrashService(db, { cursors, trashRetentionDays: config.TRASH_RETENTION_DAYS }),
      webhooks,
      deliveries: createDeliveryService(
        db,
        {
          allowPrivateNetworks,
          cdns: cdnTargets(config),
          timeoutMs: config.WEBHOOK_TIMEOUT_MS,
          maxResponseBytes: config.WEBHOOK_MAX_RESPONSE_BYTES,
          retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
          retryMaxDelayMs: config.WEBHOOK_RETRY_MAX_DELAY_MS,
          retryHours: config.WEBHOOK_RETRY_HOURS,
          disableAfterFailures: config.WEBHOOK_DISABLE_AFTER_FAILURES,
          concurrency: config.WEBHOOK_CONCURRENCY,
          openSecret: webhooks.openSecret,
        },
        app.log,
      ),
      goLive,
      site,
    } satisfies Services)
    await sealWebhookSecrets(app, webhooks)
  },
  { name: 'services', dependencies: ['database'] },
)
