import type { PrismaClient } from '../generated/prisma/client.js'
import type { Article, ArticleList, ListArticlesQuery } from '../schemas/article.js'

/** The columns an Article response is made of: select only what is served. */
const articleSelect = {
  id: true,
  slug: true,
  title: true,
  excerpt: true,
  body: true,
  tags: true,
  publishedAt: true,
  authorId: true,
  commentCount: true,
  createdAt: true,
  updatedAt: true,
} as const

interface ArticleRow {
  id: string
  slug: string
  title: string
  excerpt: string
  body: string
  tags: string[]
  publishedAt: Date | null
  authorId: string
  commentCount: number
  createdAt: Date
  updatedAt: Date
}

export function articleStatus(publishedAt: Date | null, now: Date): Article['status'] {
  if (publishedAt === null) return 'draft'
  return publishedAt > now ? 'scheduled' : 'published'
}

export function toArticle(row: ArticleRow, now: Date): Article {
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
  }
}

export function createArticleService(prisma: PrismaClient) {
  return {
    /** Published articles, newest first: what anonymous readers see. */
    async listPublished(query: ListArticlesQuery): Promise<{ list: ArticleList; hasMore: boolean }> {
      const now = new Date()
      const limit = query.limit ?? 20
      const page = query.page ?? 1
      const where = { publishedAt: { lte: now } }
      const [rows, total] = await Promise.all([
        prisma.article.findMany({
          where,
          select: articleSelect,
          orderBy: [{ publishedAt: 'desc' }, { id: 'desc' }],
          skip: (page - 1) * limit,
          take: limit + 1,
        }),
        query.count === false ? Promise.resolve(undefined) : prisma.article.count({ where }),
      ])
      const hasMore = rows.length > limit
      const list: ArticleList = {
        data: rows.slice(0, limit).map((row) => toArticle(row, now)),
        meta: {
          limit,
          page,
          nextCursor: null,
          ...(total === undefined ? {} : { total, pageCount: Math.ceil(total / limit) }),
        },
      }
      return { list, hasMore }
    },
  }
}

export type ArticleService = ReturnType<typeof createArticleService>
