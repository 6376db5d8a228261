import { hashSecret, newPreviewSecret, sameHash, type Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { paginate, type CursorCodec, type PageRequest } from '../db/paging.js'
import * as q from '../db/queries/previews.js'
import { Problems } from '../errors.js'
import { PREVIEW_DEFAULT_SECONDS, type CreatePreview, type Preview, type PreviewLinkList } from '../schemas/preview.js'
import type { ArticleService } from './articles.js'

export interface PreviewServiceOptions {
  articles: ArticleService
  cursors: () => Promise<CursorCodec>
  /** PREVIEW_URL: the frontend's draft-mode address, with {token}, {slug} and {id} to fill in. */
  previewUrl?: string | undefined
}

/**
 * Draft preview links: a token bound to one article, read-only, expiring, revocable, stored
 * hashed. Whoever may edit the article may make one; it opens GET of that article (draft
 * included) and nothing else (plugins/auth enforces "nothing else" per route).
 */
export function createPreviewService(db: Database, options: PreviewServiceOptions) {
  const { articles, previewUrl, cursors } = options
  const fill = (template: string, values: Record<string, string>) =>
    template.replace(/\{(token|slug|id)\}/g, (_, name: string) => encodeURIComponent(values[name]!))

  return {
    async create(principal: Principal, idOrSlug: string, input: CreatePreview): Promise<Preview> {
      const article = await articles.writable(principal, idOrSlug)
      if (principal.kind !== 'token') throw Problems.notFound('No such article.') // writable refused already
      const token = newPreviewSecret()
      const row = await q.insertPreview(db.query, {
        articleId: article.id,
        secretHash: hashSecret(token),
        prefix: token.slice(0, 12),
        tokenId: principal.tokenId,
        expiresAt: new Date(Date.now() + (input.expiresIn ?? PREVIEW_DEFAULT_SECONDS) * 1000),
      })
      return {
        id: row.id,
        token,
        expiresAt: row.expiresAt.toISOString(),
        ...(previewUrl ? { url: fill(previewUrl, { token, slug: article.slug, id: article.id }) } : {}),
      }
    },

    /** The article's preview links that still open it, newest first (never their tokens). */
    async list(principal: Principal, idOrSlug: string, query: PageRequest): Promise<PreviewLinkList> {
      const article = await articles.writable(principal, idOrSlug)
      const codec = await cursors()
      const { rows, meta } = await q.listPreviews(db.query, article.id, {
        pagination: paginate(q.previewListSpec, query, codec),
        codec,
      })
      return {
        data: rows.map((row) => ({
          id: row.id,
          prefix: row.prefix,
          createdAt: row.createdAt.toISOString(),
          expiresAt: row.expiresAt.toISOString(),
          by: { tokenId: row.tokenId, name: row.tokenName },
        })),
        meta,
      }
    },

    /** Revokes one preview link of the article, or all of them when `previewId` is not given. */
    async revoke(principal: Principal, idOrSlug: string, previewId?: string): Promise<void> {
      const article = await articles.writable(principal, idOrSlug)
      if (previewId === undefined) {
        await q.deletePreviews(db.query, article.id)
        return
      }
      if (!(await q.deletePreview(db.query, article.id, previewId)))
        throw Problems.notFound('This article has no preview link with this id.')
    },

    /** The principal of an unexpired preview token's secret, or null. */
    async authenticate(secret: string): Promise<Principal | null> {
      const hash = hashSecret(secret)
      const row = await q.findPreviewByHash(db.query, hash)
      if (!row || !sameHash(row.secretHash, hash)) return null
      return { kind: 'preview', previewId: row.id, articleId: row.articleId }
    },

    /** Deletes expired preview tokens (housekeeping; they already open nothing). */
    pruneExpired: () => q.deleteExpiredPreviews(db.query),
  }
}

export type PreviewService = ReturnType<typeof createPreviewService>
