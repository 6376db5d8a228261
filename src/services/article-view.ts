import * as q from '../db/queries/articles.js'
import type { Article } from '../schemas/article.js'
import type { Versioned } from './common.js'

// An article as clients see it, made from its row: every article answer (the article service's,
// the trash's) goes through `toArticle`.

/** Derived from publishedAt, so it never disagrees with it (db/queries/article-history.ts `statusAt` is its SQL twin). */
export function articleStatus(publishedAt: Date | null, now: Date): Article['status'] {
  if (publishedAt === null) return 'draft'
  return publishedAt > now ? 'scheduled' : 'published'
}

export function toArticle(row: q.ArticleRow, now: Date): Article {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    excerpt: row.excerpt,
    body: row.body,
    tags: row.tags,
    status: articleStatus(row.publishedAt, now),
    publishedAt: row.publishedAt?.toISOString() ?? null,
    authorId: row.authorId,
    commentCount: row.commentCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(row.authorSlug === undefined
      ? {}
      : {
          author: {
            id: row.authorId,
            slug: row.authorSlug,
            name: row.authorName!,
            avatarUrl: row.authorAvatarUrl ?? null,
          },
        }),
  }
}

/** The representation with its stored version (for the ETag), as of now. */
export const versioned = (row: q.ArticleRow): VersionedArticle => ({
  resource: toArticle(row, new Date()),
  version: row.version,
})

export type VersionedArticle = Versioned<Article>
