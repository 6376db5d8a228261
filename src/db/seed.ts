import { createHash } from 'node:crypto'
import type { PrismaClient } from '../generated/prisma/client.js'
import { startHistory } from './queries/articles.js'
import { renderStale } from './rendering.js'
import type { Query } from './sql.js'
import { articles, authors, comments } from './seed-data.js'

/** Stable UUIDs for seed rows, so seeding twice finds the same rows and changes nothing. */
export function seedId(kind: string, key: string): string {
  const hex = createHash('sha1').update(`broadsheet-seed:${kind}:${key}`).digest('hex')
  // Shape it as an RFC 9562 version-5 (name-based, SHA-1) UUID.
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

export interface SeedCounts {
  authors: number
  articles: number
  comments: number
}

const DAY_MS = 86_400_000

/**
 * Inserts the sample newsroom (src/db/seed-data.ts) in one transaction. Rows that already
 * exist (same id or same slug) are left exactly as they are, so running it again changes
 * nothing and never overwrites edits. Returns how many rows were inserted.
 */
export async function seedSampleContent(prisma: PrismaClient, now = new Date()): Promise<SeedCounts> {
  const approved = new Map<string, number>()
  for (const c of comments) {
    if (c.status === 'approved') approved.set(c.articleKey, (approved.get(c.articleKey) ?? 0) + 1)
  }
  return prisma.$transaction(
    async (tx) => {
      const a = await tx.author.createMany({
        skipDuplicates: true,
        data: authors.map((author) => ({
          id: seedId('author', author.key),
          slug: author.slug,
          name: author.name,
          email: author.email,
          bio: author.bio,
          avatarUrl: author.avatarUrl,
          website: author.website,
        })),
      })
      const authorIds = await existingIds(
        tx.author,
        authors.map((x) => seedId('author', x.key)),
      )
      const seedArticles = articles.filter((x) => authorIds.has(seedId('author', x.authorKey)))
      const b = await tx.article.createMany({
        skipDuplicates: true,
        data: seedArticles.map((article) => ({
          id: seedId('article', article.key),
          slug: article.slug,
          title: article.title,
          excerpt: article.excerpt,
          body: article.body,
          tags: article.tags,
          authorId: seedId('author', article.authorKey),
          publishedAt: seedPublishedAt(article, now),
          // Live sample articles have had their publication (no go-live event is due for them).
          liveEventAt: article.scheduledInDays === undefined ? seedPublishedAt(article, now) : null,
          commentCount: approved.get(article.key) ?? 0,
          createdAt: new Date(article.createdAt),
          updatedAt: new Date(article.publishedAt ?? article.createdAt),
        })),
      })
      const articleIds = await existingIds(
        tx.article,
        seedArticles.map((x) => seedId('article', x.key)),
      )
      const c = await tx.comment.createMany({
        skipDuplicates: true,
        data: comments
          .filter((comment) => articleIds.has(seedId('article', comment.articleKey)))
          .map((comment) => ({
            id: seedId('comment', comment.key),
            articleId: seedId('article', comment.articleKey),
            parentId: comment.parentKey === undefined ? null : seedId('comment', comment.parentKey),
            authorName: comment.authorName,
            authorEmail: comment.authorEmail,
            body: comment.body,
            status: comment.status,
            createdAt: new Date(comment.createdAt),
            updatedAt: new Date(comment.createdAt),
          })),
      })
      // Inserted as rows, not through the write statements: their bodies are rendered here.
      await renderStale(onPrisma(tx))
      await startHistory(onPrisma(tx))
      return { authors: a.count, articles: b.count, comments: c.count }
    },
    { timeout: 60_000, maxWait: 10_000 },
  )
}

/** The statements of src/db/queries, run on a Prisma transaction (the seed runs on Prisma Client). */
const onPrisma =
  (tx: { $queryRaw<T>(query: Parameters<Query>[0]): Promise<T> }): Query =>
  <Row>(statement: Parameters<Query>[0]) =>
    tx.$queryRaw<Row[]>(statement)

function seedPublishedAt(article: (typeof articles)[number], now: Date): Date | null {
  if (article.scheduledInDays !== undefined) return new Date(now.getTime() + article.scheduledInDays * DAY_MS)
  return article.publishedAt === null ? null : new Date(article.publishedAt)
}

async function existingIds(
  table: { findMany(args: { where: { id: { in: string[] } }; select: { id: true } }): Promise<{ id: string }[]> },
  ids: string[],
): Promise<Set<string>> {
  const rows = await table.findMany({ where: { id: { in: ids } }, select: { id: true } })
  return new Set(rows.map((row) => row.id))
}

export interface LargeSeedSize {
  authors: number
  articles: number
  comments: number
}

export const LARGE_SEED: LargeSeedSize = { authors: 1_000, articles: 10_000, comments: 100_000 }

/**
 * Bulk content for benchmarks, generated inside the database with generate_series (seconds,
 * not minutes, for 10k articles and 100k comments). Ids are derived from the row number, so
 * running it again inserts nothing new. About 10% of articles are drafts; comments are mostly
 * approved, a third of them replies, and every status occurs.
 */
export async function seedLarge(prisma: PrismaClient, size: LargeSeedSize = LARGE_SEED): Promise<SeedCounts> {
  return prisma.$transaction(
    async (tx) => {
      const a = await tx.$executeRawUnsafe(
        `INSERT INTO "authors" ("id", "slug", "name", "email", "bio", "created_at", "updated_at")
         SELECT md5('bench-author-' || g)::uuid, 'bench-author-' || g, 'Bench Author ' || g,
                'bench-author-' || g || '@example.org', 'Generated for benchmarks.', now(), now()
         FROM generate_series(1, $1::int) AS g
         ON CONFLICT DO NOTHING`,
        size.authors,
      )
      const b = await tx.$executeRawUnsafe(
        `WITH words AS (
           SELECT ARRAY['harbour','council','budget','election','river','festival','library','transit',
                        'housing','climate','stadium','hospital','bridge','market','school','museum',
                        'tram','forest','startup','theatre'] AS w
         )
         INSERT INTO "articles" ("id", "slug", "title", "excerpt", "body", "tags", "published_at", "live_event_at",
                                 "author_id", "created_at", "updated_at")
         SELECT md5('bench-article-' || g)::uuid,
                'bench-article-' || g,
                initcap(w[1 + g % 20]) || ' and ' || w[1 + (g / 20) % 20] || ': report ' || g,
                'What the ' || w[1 + g % 20] || ' decision means for the city, in brief.',
                repeat('The ' || w[1 + g % 20] || ' committee met on Tuesday to discuss the '
                       || w[1 + (g / 7) % 20] || ' plan. Residents asked about costs, timing and the '
                       || w[1 + (g / 3) % 20] || '. ', 8) || E'\\n\\n' ||
                repeat('Officials said the ' || w[1 + (g / 11) % 20] || ' review would finish next year. ', 6),
                ARRAY[w[1 + g % 20], w[1 + (g / 20) % 20]],
                CASE WHEN g % 10 = 0 THEN NULL ELSE now() - make_interval(mins => g) END,
                CASE WHEN g % 10 = 0 THEN NULL ELSE now() - make_interval(mins => g) END,
                md5('bench-author-' || (1 + g % $2::int))::uuid,
                now() - make_interval(mins => g + 60), now() - make_interval(mins => g)
         FROM generate_series(1, $1::int) AS g, words
         ON CONFLICT DO NOTHING`,
        size.articles,
        size.authors,
      )
      // Comment g belongs to the g-th published article (round robin); every third comment
      // past the first round replies to the comment one round earlier on the same article.
      const c = await tx.$executeRawUnsafe(
        `WITH published AS (
           SELECT "id", row_number() OVER (ORDER BY "slug") - 1 AS n
           FROM "articles" WHERE "slug" LIKE 'bench-article-%' AND "published_at" IS NOT NULL
         ), total AS (SELECT count(*) AS k FROM published)
         INSERT INTO "comments" ("id", "article_id", "parent_id", "author_name", "author_email", "body",
                                 "status", "created_at", "updated_at")
         SELECT md5('bench-comment-' || g)::uuid,
                p."id",
                CASE WHEN g > total.k AND g % 3 = 0 THEN md5('bench-comment-' || (g - total.k))::uuid END,
                'Reader ' || g,
                'reader-' || g || '@example.net',
                'Comment number ' || g || ': thanks for the reporting, I have a question about the figures.',
                (CASE g % 10 WHEN 7 THEN 'pending' WHEN 8 THEN 'spam' WHEN 9 THEN 'rejected' ELSE 'approved' END)::"CommentStatus",
                now() - make_interval(secs => g), now() - make_interval(secs => g)
         FROM generate_series(1, $1::int) AS g
         CROSS JOIN total
         JOIN published p ON p.n = (g - 1) % total.k
         ON CONFLICT DO NOTHING`,
        size.comments,
      )
      await tx.$executeRawUnsafe(
        `UPDATE "articles" a SET "comment_count" = c.n
         FROM (SELECT "article_id", count(*)::int AS n FROM "comments"
               WHERE "status" = 'approved' GROUP BY "article_id") c
         WHERE a."id" = c."article_id" AND a."slug" LIKE 'bench-article-%' AND a."comment_count" <> c.n`,
      )
      // Inserted as rows, not through the write statements: their bodies are rendered here.
      await renderStale(onPrisma(tx))
      await startHistory(onPrisma(tx))
      return { authors: a, articles: b, comments: c }
    },
    { timeout: 600_000, maxWait: 10_000 },
  )
}
