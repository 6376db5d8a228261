import type { Article as ArticleModel, Author as AuthorModel } from '../../generated/prisma/client.js'
import { empty, sql, type Query } from '../sql.js'
import { publiclyVisible } from './article-visibility.js'

/**
 * The newest published articles, as the RSS, Atom and JSON feeds show them: live and published
 * at `now` (never drafts, scheduled or trashed articles), newest first, with their author's
 * public name. One statement per feed, the author feed's author lookup included.
 */

/** An article as a feed item: its public content (the stored sanitized HTML), dates, tags, author. */
export type FeedArticleRow = Pick<
  ArticleModel,
  'id' | 'slug' | 'title' | 'excerpt' | 'bodyHtml' | 'tags' | 'authorId' | 'updatedAt'
> & {
  publishedAt: Date
  authorSlug: string
  authorName: string
  /** The cover image and its crop version (for its variant URLs), when the article has one. */
  coverImageId: string | null
  coverVersion: number | null
}

/** The author an author feed is about. */
export type FeedAuthorRow = Pick<AuthorModel, 'id' | 'slug' | 'name' | 'updatedAt'>

/** On alias `a` (the article) and `au` (its author). */
const itemColumns = sql`a."id", a."slug", a."title", a."excerpt", a."body_html" AS "bodyHtml", a."tags",
  a."published_at" AS "publishedAt", a."updated_at" AS "updatedAt", a."author_id" AS "authorId",
  au."slug" AS "authorSlug", au."name" AS "authorName", a."cover_image_id" AS "coverImageId",
  (SELECT m."crop_version" FROM "media" m WHERE m."id" = a."cover_image_id") AS "coverVersion"`

/** Newest first; the id breaks ties, so two requests list the same articles in the same order. */
const newestFirst = sql`ORDER BY a."published_at" DESC, a."id" DESC`

export interface FeedPage {
  now: Date
  /** How many items (the newest). */
  limit: number
}

/** The newest published articles, or those with `tag` (a tag nobody published has none). */
export async function latestArticles(db: Query, filter: { tag?: string }, page: FeedPage): Promise<FeedArticleRow[]> {
  const tagged = filter.tag === undefined ? empty : sql`AND a."tags" @> CAST(${[filter.tag]} AS text[])`
  return db<FeedArticleRow>(sql`
    SELECT ${itemColumns}
    FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
    WHERE ${publiclyVisible(page.now)} ${tagged}
    ${newestFirst}
    LIMIT ${page.limit}`)
}

/**
 * The author with this slug and their newest published articles, in one statement (a row per
 * article, or one row of the author alone when none is published); undefined when no author
 * has the slug.
 */
export async function authorFeed(
  db: Query,
  slug: string,
  page: FeedPage,
): Promise<{ author: FeedAuthorRow; articles: FeedArticleRow[] } | undefined> {
  type Row = { feedAuthorId: string; feedAuthorSlug: string; feedAuthorName: string; feedAuthorUpdatedAt: Date } & (
    FeedArticleRow | { [K in keyof FeedArticleRow]: null }
  )
  const rows = await db<Row>(sql`
    SELECT au."id" AS "feedAuthorId", au."slug" AS "feedAuthorSlug", au."name" AS "feedAuthorName",
      au."updated_at" AS "feedAuthorUpdatedAt", x.*
    FROM "authors" au
    LEFT JOIN LATERAL (
      SELECT ${itemColumns}
      FROM "articles" a
      WHERE a."author_id" = au."id" AND ${publiclyVisible(page.now)}
      ${newestFirst}
      LIMIT ${page.limit}) x ON TRUE
    WHERE au."slug" = ${slug}
    ORDER BY x."publishedAt" DESC, x."id" DESC`)
  const first = rows[0]
  if (!first) return undefined
  const author = {
    id: first.feedAuthorId,
    slug: first.feedAuthorSlug,
    name: first.feedAuthorName,
    updatedAt: first.feedAuthorUpdatedAt,
  }
  const articles = rows.flatMap(
    ({ feedAuthorId: _i, feedAuthorSlug: _s, feedAuthorName: _n, feedAuthorUpdatedAt: _u, ...article }) =>
      article.id === null ? [] : [article],
  )
  return { author, articles }
}
