import type { Article as ArticleModel, Author as AuthorModel } from '../../generated/prisma/client.js'
import { join, sql, timestamp, type Query, type Sql } from '../sql.js'
import { publiclyVisible } from './article-visibility.js'

/**
 * What the sitemaps list: published articles (live and published at `now`: never drafts,
 * scheduled or trashed ones) and the authors who have one. Each sitemap file, and the index,
 * is one statement.
 */

/**
 * The stable order of the article sitemaps, oldest first: an article keeps its file and its
 * place while newer ones are published after it (only an unpublished or trashed one moves the
 * later ones up).
 */
const oldestFirst = sql`ORDER BY a."published_at", a."id"`

/**
 * A moment as sitemaps write it (W3C Datetime, UTC, milliseconds: what `toISOString` gives),
 * formatted by Postgres for the files of up to 50,000 URLs: a Date per row, parsed by the driver
 * and formatted again, costs more than the rest of the row.
 */
const w3c = (at: Sql) => sql`to_char(${at} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/** What the index says of one sitemap file: which (`articles` counts from 1) and its newest change. */
export interface SitemapFileRow {
  kind: 'articles' | 'news' | 'authors'
  file: number
  /** The newest `updated_at` of what the file lists; null when it lists nothing. */
  lastmod: Date | null
  /** news: the oldest publication it lists (it leaves the file when it is `newsWindow` old); else null. */
  oldest: Date | null
}

export interface NewsWindow {
  /** Articles published after this moment (and by `now`). */
  since: Date
  /** At most this many, the newest. */
  limit: number
}

/**
 * The sitemap index in one statement: one row per article sitemap file (`perFile` articles
 * each, in the files' order) with its newest change, one for the news sitemap (the same window
 * and limit as `newsArticles`), one for the authors' (`sitemapAuthors`). No article published:
 * no `articles` row.
 */
export async function sitemapIndex(
  db: Query,
  options: { now: Date; perFile: number; news: NewsWindow },
): Promise<SitemapFileRow[]> {
  return db<SitemapFileRow>(sql`
    WITH "live" AS (
      SELECT a."id", a."author_id", a."published_at", a."updated_at",
        CAST((row_number() OVER (${oldestFirst}) - 1) / ${options.perFile} + 1 AS int) AS "file"
      FROM "articles" a
      WHERE ${publiclyVisible(options.now)}),
    "news" AS (
      SELECT l."published_at", l."updated_at" FROM "live" l
      WHERE l."published_at" > CAST(${timestamp(options.news.since)} AS timestamptz)
      ORDER BY l."published_at" DESC, l."id" DESC
      LIMIT ${options.news.limit})
    SELECT 'articles' AS "kind", l."file", max(l."updated_at") AS "lastmod", CAST(NULL AS timestamptz) AS "oldest"
    FROM "live" l GROUP BY l."file"
    UNION ALL
    SELECT 'news', 1, max(n."updated_at"), min(n."published_at") FROM "news" n
    UNION ALL
    SELECT 'authors', 1, max(au."updated_at"), CAST(NULL AS timestamptz)
    FROM "authors" au WHERE EXISTS (SELECT 1 FROM "live" l WHERE l."author_id" = au."id")
    ORDER BY 1, 2`)
}

/**
 * A frontend article URL as text around placeholders (`text` has one more entry than
 * `placeholders`), already escaped as XML text: services/site.ts reads ARTICLE_URL_TEMPLATE so.
 */
export interface ArticleUrlTemplate {
  text: string[]
  placeholders: ('slug' | 'id' | 'yyyy' | 'mm' | 'dd')[]
}

/** The characters encodeURIComponent leaves as they are. */
const UNRESERVED = "[A-Za-z0-9_.!~*'()-]"

/**
 * `text` as encodeURIComponent writes it: unchanged when every character is unreserved (every
 * slug the API writes), else each other character as the %XX of its UTF-8 bytes.
 */
const uriComponent = (text: Sql) => sql`CASE WHEN ${text} ~ ${`^${UNRESERVED}*$`} THEN ${text} ELSE (
  SELECT string_agg(CASE WHEN c ~ ${`^${UNRESERVED}$`} THEN c
    ELSE upper(regexp_replace(encode(convert_to(c, 'UTF8'), 'hex'), '(..)', ${'%\\1'}, 'g')) END, '' ORDER BY n)
  FROM regexp_split_to_table(${text}, '') WITH ORDINALITY AS t(c, n)) END`

/** Each placeholder of an article URL, on alias `a`, as services/site.ts `articleUrl` fills it. */
const PLACEHOLDERS: Record<ArticleUrlTemplate['placeholders'][number], Sql> = {
  slug: uriComponent(sql`a."slug"`),
  id: sql`CAST(a."id" AS text)`,
  yyyy: sql`to_char(a."published_at" AT TIME ZONE 'UTC', 'YYYY')`,
  mm: sql`to_char(a."published_at" AT TIME ZONE 'UTC', 'MM')`,
  dd: sql`to_char(a."published_at" AT TIME ZONE 'UTC', 'DD')`,
}

/** URLs per row of `sitemapArticles`: rows of about 75 KB, each a small string for the driver. */
const URLS_PER_ROW = 500

/**
 * Article sitemap file `file` (from 1): `perFile` published articles, oldest first, as their
 * `<url>` entries, one a line, written by Postgres in rows of 500, in order (none: no row).
 * 50,000 rows of columns would leave tens of megabytes of objects per request for the collector
 * (the file's target is under 50 MB of extra memory); a hundred strings are the file's own size,
 * and small enough that the driver never grows a buffer for one (a single 7 MB string made it
 * double one up to 8 MB).
 */
export async function sitemapArticles(
  db: Query,
  page: {
    now: Date
    file: number
    perFile: number
    url: ArticleUrlTemplate
    /** Where images are served, XML-escaped: `<server>/media/`; a cover is listed as `<id>/full.jpeg` there. */
    mediaBase: string
  },
): Promise<{ xml: string }[]> {
  const { text, placeholders } = page.url
  const loc = join(
    [sql`CAST(${text[0]!} AS text)`, ...placeholders.flatMap((name, i) => [PLACEHOLDERS[name], sql`${text[i + 1]!}`])],
    ' || ',
  )
  // The cover (Google's image extension) at its unversioned URL, so an edit of the image itself
  // does not change this file; a cover set, replaced or removed is an article edit, which does.
  const image = sql`CASE WHEN a."cover_image_id" IS NULL THEN '' ELSE '<image:image><image:loc>' || ${page.mediaBase}
    || a."cover_image_id" || '/full.jpeg</image:loc></image:image>' END`
  const entry = sql`'<url><loc>' || ${loc} || '</loc><lastmod>' || ${w3c(sql`a."updated_at"`)} || '</lastmod>' || ${image}
    || '</url>' || chr(10)`
  return db<{ xml: string }>(sql`
    SELECT string_agg(${entry}, '' ${oldestFirst}) AS "xml"
    FROM (
      SELECT a."id", a."slug", a."published_at", a."updated_at", a."cover_image_id",
        (row_number() OVER (${oldestFirst}) - 1) / ${URLS_PER_ROW} AS "part"
      FROM "articles" a
      WHERE ${publiclyVisible(page.now)}
      ${oldestFirst}
      LIMIT ${page.perFile} OFFSET ${(page.file - 1) * page.perFile}) a
    GROUP BY a."part"
    ORDER BY a."part"`)
}

/** An article as the Google News sitemap lists it. */
export type NewsArticleRow = Pick<ArticleModel, 'id' | 'slug' | 'title' | 'updatedAt'> & { publishedAt: Date }

/** The news sitemap: articles published in the window, newest first. */
export async function newsArticles(db: Query, options: { now: Date; news: NewsWindow }): Promise<NewsArticleRow[]> {
  return db<NewsArticleRow>(sql`
    SELECT a."id", a."slug", a."title", a."published_at" AS "publishedAt", a."updated_at" AS "updatedAt"
    FROM "articles" a
    WHERE ${publiclyVisible(options.now)} AND a."published_at" > CAST(${timestamp(options.news.since)} AS timestamptz)
    ORDER BY a."published_at" DESC, a."id" DESC
    LIMIT ${options.news.limit}`)
}

/** An author as the authors' sitemap lists them: `lastmod` is their updatedAt, formatted. */
export type SitemapAuthorRow = Pick<AuthorModel, 'id' | 'slug'> & { lastmod: string }

/** The authors with at least one published article (at most `limit`), by slug. */
export async function sitemapAuthors(db: Query, options: { now: Date; limit: number }): Promise<SitemapAuthorRow[]> {
  return db<SitemapAuthorRow>(sql`
    SELECT au."id", au."slug", ${w3c(sql`au."updated_at"`)} AS "lastmod"
    FROM "authors" au
    WHERE EXISTS (SELECT 1 FROM "articles" a WHERE a."author_id" = au."id" AND ${publiclyVisible(options.now)})
    ORDER BY au."slug"
    LIMIT ${options.limit}`)
}
