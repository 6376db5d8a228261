/**
 * The benchmark's baseline: the physical-limit anchor of our stack. A minimal hand-written
 * Fastify + `pg` server that answers exactly the requests `bench/run.ts` sends, with the same
 * JSON, status codes, ETag and Link headers as Broadsheet, each through one SQL statement
 * (the best single statement we could write, authorisation included). It knows nothing else:
 * no validation beyond what the benchmark needs, no plugins, no rate limits, no problem+json.
 * Not part of the product; `npm run bench` starts it next to Broadsheet on the same database.
 *
 * Env: DATABASE_URL, PORT, DB_POOL_SIZE (same default as Broadsheet: 10), and the site settings
 * structured data is made from, with Broadsheet's defaults (PUBLIC_SITE_URL, PUBLIC_URL,
 * ARTICLE_URL_TEMPLATE, AUTHOR_URL_TEMPLATE, PUBLISHER_NAME, PUBLISHER_LOGO_URL, SITE_LANGUAGE).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyReply } from 'fastify'
import pg from 'pg'
// Rendering is write-time work Broadsheet does on every comment post, so the baseline does it
// too, with the same renderer (reads serve the stored columns, as Broadsheet's do).
import { renderCommentBody } from '../src/render/comment.js'
import { RENDERER_VERSION, readingTimeMinutes } from '../src/render/markdown.js'

// Moments go to Postgres as ISO text: node-postgres formats a Date parameter slowly.
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE ?? 10) })
pool.on('error', () => {})

// The cursor signing key Broadsheet uses, so cursors (and nextCursor values) are interchangeable.
// Whichever server asks first creates it, as Broadsheet's sharedSecret does.
await pool.query(`INSERT INTO "settings" ("key", "value") VALUES ('cursor-signing-key', $1) ON CONFLICT DO NOTHING`, [
  randomBytes(32).toString('base64url'),
])
const key = (await pool.query<{ value: string }>(`SELECT "value" FROM "settings" WHERE "key" = 'cursor-signing-key'`))
  .rows[0]!.value

const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url').slice(0, 27)
const encodeCursor = (s: string, v: unknown[]) => {
  const payload = Buffer.from(JSON.stringify({ s, v })).toString('base64url')
  return `${payload}.${sign(payload)}`
}
function decodeCursor(s: string, cursor: string): unknown[] | undefined {
  const [payload, signature] = cursor.split('.')
  if (!payload || !signature) return undefined
  const expected = Buffer.from(sign(payload))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined
  const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { s: string; v: unknown[] }
  return parsed.s === s ? parsed.v : undefined
}

const hash = (body: string) => createHash('sha256').update(body).digest('base64url').slice(0, 16)

function send(
  reply: FastifyReply,
  status: number,
  body: unknown,
  etag?: (hash: string) => string,
  cache = false,
): string {
  const json = JSON.stringify(body)
  reply.code(status).header('content-type', 'application/json; charset=utf-8').header('vary', 'Authorization')
  if (cache) reply.header('cache-control', 'public, max-age=0, must-revalidate')
  if (etag) reply.header('etag', etag(hash(json)))
  return json
}
const notFound = (reply: FastifyReply) =>
  send(reply, 404, { type: 'about:blank', title: 'Not Found', status: 404, detail: 'No such article.' })

interface ArticleRow {
  id: string
  slug: string
  title: string
  excerpt: string
  body: string
  tags: string[]
  published_at: Date | null
  author_id: string
  cover_image_id: string | null
  comment_count: number
  created_at: Date
  updated_at: Date
  version: number
  /** Single reads (the stored rendering, and the author their structured data names). */
  body_html?: string
  body_text?: string
  word_count?: number
  /** With include=author, and in single reads. */
  author_slug?: string
  author_name?: string
  author_avatar_url?: string | null
  rank?: number
}

const ARTICLE = `a."id", a."slug", a."title", a."excerpt", a."body", a."tags", a."published_at", a."author_id",
  a."cover_image_id", a."comment_count", a."created_at", a."updated_at", a."version"`
/** A single read: the list's columns, the stored rendering and the author. */
const SINGLE = `${ARTICLE}, a."body_html", a."body_text", a."word_count", au."slug" AS author_slug, au."name" AS author_name`

const status = (publishedAt: Date | null, now: Date) =>
  publishedAt === null ? 'draft' : publishedAt > now ? 'scheduled' : 'published'

/** A list item (v1's fields), with its author when `include=author` joined one. */
function article(row: ArticleRow, now: Date) {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    excerpt: row.excerpt,
    body: row.body,
    tags: row.tags,
    status: status(row.published_at, now),
    publishedAt: row.published_at?.toISOString() ?? null,
    authorId: row.author_id,
    coverImageId: row.cover_image_id,
    commentCount: row.comment_count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(row.author_avatar_url === undefined
      ? {}
      : {
          author: {
            id: row.author_id,
            slug: row.author_slug,
            name: row.author_name,
            avatarUrl: row.author_avatar_url ?? null,
          },
        }),
  }
}

// The frontend's addresses, with Broadsheet's defaults (src/config.ts, src/services/site.ts).
const env = process.env
const siteUrl = env.PUBLIC_SITE_URL ?? env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? 3000}`
const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(siteUrl|slug|id|yyyy|mm|dd)\}/g, (whole, name: string) => values[name] ?? whole)
const two = (n: number) => String(n).padStart(2, '0')
const articleUrl = (row: ArticleRow) => {
  const at = row.published_at ?? row.created_at
  return fill(env.ARTICLE_URL_TEMPLATE ?? '{siteUrl}/articles/{slug}', {
    siteUrl,
    slug: encodeURIComponent(row.slug),
    id: row.id,
    yyyy: String(at.getUTCFullYear()),
    mm: two(at.getUTCMonth() + 1),
    dd: two(at.getUTCDate()),
  })
}
const authorUrl = (row: ArticleRow) =>
  fill(env.AUTHOR_URL_TEMPLATE ?? '{siteUrl}/authors/{slug}', {
    siteUrl,
    slug: encodeURIComponent(row.author_slug!),
    id: row.author_id,
  })
const publisher = {
  // logo is optional in Broadsheet's schema: after the required keys.
  '@type': 'Organization',
  name: env.PUBLISHER_NAME ?? 'Broadsheet',
  url: siteUrl,
  ...(env.PUBLISHER_LOGO_URL ? { logo: { '@type': 'ImageObject', url: env.PUBLISHER_LOGO_URL } } : {}),
}
const language = env.SITE_LANGUAGE ?? 'en'

// Key order: Broadsheet serialises these answers with fast-json-stringify, which writes a schema's
// required properties first and its optional ones after them (each group in schema order).

/** schema.org NewsArticle of a published article (src/services/article-view.ts `structuredData`). */
function structuredData(row: ArticleRow) {
  const url = articleUrl(row)
  return {
    '@context': 'https://schema.org',
    '@type': 'NewsArticle',
    headline: row.title,
    datePublished: row.published_at!.toISOString(),
    dateModified: row.updated_at.toISOString(),
    author: [{ '@type': 'Person', name: row.author_name, url: authorUrl(row) }],
    publisher,
    mainEntityOfPage: { '@type': 'WebPage', '@id': url },
    url,
    inLanguage: language,
    wordCount: row.word_count,
    ...(row.excerpt !== '' ? { description: row.excerpt } : {}),
    ...(row.tags.length > 0 ? { keywords: row.tags.join(', ') } : {}),
  }
}

/** A single read's (and a write's) representation: the stored rendering and, published, the structured data. */
function single(row: ArticleRow, now: Date) {
  const state = status(row.published_at, now)
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    excerpt: row.excerpt,
    body: row.body,
    tags: row.tags,
    status: state,
    publishedAt: row.published_at?.toISOString() ?? null,
    authorId: row.author_id,
    coverImageId: row.cover_image_id,
    commentCount: row.comment_count,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    bodyHtml: row.body_html,
    bodyText: row.body_text,
    wordCount: row.word_count,
    readingTimeMinutes: readingTimeMinutes(row.word_count!),
    ...(state === 'published' ? { structuredData: structuredData(row) } : {}),
  }
}

/**
 * A sparse list item (`fields=`): each field the baseline knows, its column and its value, in
 * the order of the full representation; `id` always. Only the named columns are read.
 */
const SPARSE: [name: string, column: string, value: (row: ArticleRow, now: Date) => unknown][] = [
  ['id', 'a."id"', (r) => r.id],
  ['slug', 'a."slug"', (r) => r.slug],
  ['title', 'a."title"', (r) => r.title],
  ['excerpt', 'a."excerpt"', (r) => r.excerpt],
  ['body', 'a."body"', (r) => r.body],
  ['tags', 'a."tags"', (r) => r.tags],
  ['status', 'a."published_at"', (r, now) => status(r.published_at, now)],
  ['publishedAt', 'a."published_at"', (r) => r.published_at?.toISOString() ?? null],
  ['authorId', 'a."author_id"', (r) => r.author_id],
  ['coverImageId', 'a."cover_image_id"', (r) => r.cover_image_id],
  ['commentCount', 'a."comment_count"', (r) => r.comment_count],
  ['createdAt', 'a."created_at"', (r) => r.created_at.toISOString()],
  ['updatedAt', 'a."updated_at"', (r) => r.updated_at.toISOString()],
]

const app = Fastify({ logger: false })

// Published articles, newest first (or by relevance with q), 20 a page, optionally with their
// authors or only some fields (`fields=`: only their columns are read), with the total: one statement.
app.get<{ Querystring: { limit?: string; include?: string; q?: string; cursor?: string; fields?: string } }>(
  '/api/v1/articles',
  async (request, reply) => {
    const { q, cursor, include } = request.query
    const sparse = request.query.fields === undefined ? undefined : sparseFields(request.query.fields)
    if (sparse === null) return send(reply, 400, { type: 'about:blank', title: 'Bad Request', status: 400 })
    const limit = Number(request.query.limit ?? 20)
    const now = new Date()
    const params: unknown[] = [now.toISOString(), limit + 1]
    const search = q === undefined ? '' : `AND a."search_vector" @@ websearch_to_tsquery('english', $${params.push(q)})`
    const rank = q === undefined ? '' : `, ts_rank(a."search_vector", websearch_to_tsquery('english', $3)) AS rank`
    const sortKey = q === undefined ? 'articles:-publishedAt,-id' : 'articles:-relevance,-publishedAt,-id'
    let after = ''
    if (cursor !== undefined) {
      const v = q === undefined ? decodeCursor(sortKey, cursor) : undefined
      if (!v) return send(reply, 400, { type: 'about:blank', title: 'Bad Request', status: 400 })
      after = `AND (a."published_at", a."id") < ($${params.push(v[0])}::timestamptz, $${params.push(v[1])}::uuid)`
    }
    const withAuthor = include === 'author' && !sparse
    // The id and publication time (the next cursor's terms) and the named fields' columns.
    const select = sparse
      ? [...new Set(['a."id"', 'a."published_at"', ...sparse.map(([, column]) => column)])].join(', ')
      : ARTICLE
    // The total: read from the counters the schema's triggers keep (minus the few scheduled
    // articles) when unfiltered; counted when searching.
    const count =
      q === undefined
        ? `((SELECT "value" FROM "counters" WHERE "name" = 'articles_dated') - (SELECT count(*) FROM "articles" WHERE "published_at" > $1))::int`
        : `(SELECT count(*) FROM "articles" a WHERE a."published_at" <= $1 ${search})::int`
    const { rows } = await pool.query<ArticleRow & { total: number }>(
      `SELECT t.total, p.* FROM (SELECT ${count} AS total) t
     LEFT JOIN LATERAL (
       SELECT ${select} ${withAuthor ? ', au."slug" AS author_slug, au."name" AS author_name, au."avatar_url" AS author_avatar_url' : ''} ${rank}
       FROM "articles" a ${withAuthor ? 'JOIN "authors" au ON au."id" = a."author_id"' : ''}
       WHERE a."published_at" <= $1 ${search} ${after}
       ORDER BY ${q === undefined ? '' : 'rank DESC,'} a."published_at" DESC, a."id" DESC
       LIMIT $2
     ) p ON TRUE`,
      params,
    )
    const total = rows[0]!.total
    const page = rows[0]!.id === null ? [] : rows
    const more = page.length > limit
    const kept = more ? page.slice(0, limit) : page
    const last = kept[kept.length - 1]
    const nextCursor =
      more && last
        ? encodeCursor(sortKey, [...(q === undefined ? [] : [last.rank]), last.published_at!.toISOString(), last.id])
        : null
    if (nextCursor) {
      const url = new URL(request.url, 'http://localhost')
      url.searchParams.set('cursor', nextCursor)
      reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
    }
    const meta = {
      limit,
      nextCursor,
      ...(cursor === undefined ? { page: 1 } : {}),
      total,
      pageCount: Math.ceil(total / limit),
    }
    const data = sparse
      ? kept.map((row) => Object.fromEntries(sparse.map(([name, , value]) => [name, value(row, now)])))
      : kept.map((row) => article(row, now))
    return send(reply, 200, { data, meta }, (h) => `W/"${h}"`, true)
  },
)

/** The fields named (and `id`), in the order of the full representation; null when one is unknown. */
function sparseFields(text: string): typeof SPARSE | null {
  const names = new Set(['id', ...text.split(',')])
  const chosen = SPARSE.filter(([name]) => names.has(name))
  return chosen.length === names.size ? chosen : null
}

app.get<{ Params: { slug: string } }>('/api/v1/articles/:slug', async (request, reply) => {
  const now = new Date()
  // By slug (what the benchmark reads), or by id (where the PATCH runs read their ETags).
  const byId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(request.params.slug)
  const { rows } = await pool.query<ArticleRow>(
    `SELECT ${SINGLE} FROM "articles" a JOIN "authors" au ON au."id" = a."author_id"
     WHERE a.${byId ? '"id" = $1::uuid' : '"slug" = $1'} AND a."published_at" <= $2`,
    [request.params.slug, now.toISOString()],
  )
  const row = rows[0]
  if (!row) return notFound(reply)
  return send(reply, 200, single(row, now), (h) => `"${row.version}-${h}"`, true)
})

interface CommentRow {
  total: number
  id: string | null
  article_id: string
  parent_id: string | null
  author_name: string
  body: string
  body_html: string
  status: string
  version: number
  created_at: Date
}
const COMMENT = `c."id", c."article_id", c."parent_id", c."author_name", c."body", c."body_html", c."status"::text AS status, c."version", c."created_at"`
const comment = (row: CommentRow) => ({
  id: row.id,
  articleId: row.article_id,
  parentId: row.parent_id,
  authorName: row.author_name,
  body: row.body,
  bodyHtml: row.body_html,
  status: row.status,
  createdAt: row.created_at.toISOString(),
})

// An article's approved comments, oldest first, with the total: the article's maintained
// comment_count is that total, so the page and the count are one statement.
app.get<{ Params: { slug: string } }>('/api/v1/articles/:slug/comments', async (request, reply) => {
  const limit = 20
  const { rows } = await pool.query<CommentRow>(
    `SELECT a."comment_count" AS total, c.* FROM "articles" a
     LEFT JOIN LATERAL (
       SELECT ${COMMENT} FROM "comments" c
       WHERE c."article_id" = a."id" AND c."status" = 'approved'
       ORDER BY c."created_at", c."id" LIMIT $3
     ) c ON TRUE
     WHERE a."slug" = $1 AND a."published_at" <= $2`,
    [request.params.slug, new Date().toISOString(), limit + 1],
  )
  if (rows.length === 0) return notFound(reply)
  const total = rows[0]!.total
  const page = rows[0]!.id === null ? [] : rows
  const more = page.length > limit
  const kept = more ? page.slice(0, limit) : page
  const last = kept[kept.length - 1]
  const nextCursor =
    more && last ? encodeCursor('comments:createdAt,id', [last.created_at.toISOString(), last.id]) : null
  if (nextCursor) {
    const url = new URL(request.url, 'http://localhost')
    url.searchParams.set('cursor', nextCursor)
    reply.header('link', `<${url.pathname}${url.search}>; rel="next"`)
  }
  const meta = { limit, nextCursor, page: 1, total, pageCount: Math.ceil(total / limit) }
  return send(reply, 200, { data: kept.map(comment), meta }, (h) => `W/"${h}"`, true)
})

// A reader's comment on a published article: the insert selects the article, so a draft or
// unknown one inserts nothing (404). Same spam rule, same "always pending" answer.
app.post<{
  Params: { slug: string }
  Body: { authorName: string; authorEmail: string; body: string; website?: string }
}>('/api/v1/articles/:slug/comments', async (request, reply) => {
  const { authorName, authorEmail, body, website } = request.body
  const links = `${authorName} ${body}`.match(/\bhttps?:\/\/|\bwww\./gi)?.length ?? 0
  const status = (website ?? '').trim() !== '' || links >= 3 ? 'spam' : 'pending'
  const { rows } = await pool.query<CommentRow>(
    `INSERT INTO "comments" ("article_id", "author_name", "author_email", "body", "body_html", "render_version", "status")
       SELECT a."id", $2, $3, $4, $5, $6, $7::"CommentStatus" FROM "articles" a WHERE a."slug" = $1 AND a."published_at" <= now()
       RETURNING ${COMMENT.replaceAll('c.', '')}`,
    [request.params.slug, authorName, authorEmail, body, renderCommentBody(body), RENDERER_VERSION, status],
  )
  const row = rows[0]
  if (!row) return notFound(reply)
  return send(reply, 201, { ...comment(row), status: 'pending' }, (h) => `"${row.version}-${h}"`)
})

// An editor's conditional edit, with If-Match compared whole as Broadsheet does (RFC 9110
// strong comparison of the ETag of the current representation, version and hash): one read
// of the current row, the tag compared, then one statement for the token check, the version
// check (again, atomically) and the bump. Nothing updated means the ETag went stale meanwhile
// (or the token is not an editor's, which this baseline does not tell apart).
app.patch<{ Params: { id: string }; Body: { title: string } }>('/api/v1/articles/:id', async (request, reply) => {
  const secret = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1] ?? ''
  const ifMatch = request.headers['if-match']
  if (ifMatch === undefined)
    return send(reply, 428, { type: 'about:blank', title: 'Precondition Required', status: 428 })
  const stale = () => send(reply, 412, { type: 'about:blank', title: 'Precondition Failed', status: 412 })
  const current = (
    await pool.query<ArticleRow>(
      `SELECT ${SINGLE} FROM "articles" a JOIN "authors" au ON au."id" = a."author_id" WHERE a."id" = $1`,
      [request.params.id],
    )
  ).rows[0]
  if (!current || ifMatch.trim() !== `"${current.version}-${hash(JSON.stringify(single(current, new Date())))}"`)
    return stale()
  // Like Broadsheet, the edit writes its revision (who, and a snapshot of the editable fields
  // and the publication state) and its outbox event (public state, per-article sequence) in the
  // same statement, and answers with the author its structured data names.
  const { rows } = await pool.query<ArticleRow>(
    `WITH "token" AS (SELECT t."id", t."name" FROM "api_tokens" t WHERE t."secret_hash" = $4 AND t."role" IN ('admin', 'editor')),
     "changed" AS (
       UPDATE "articles" a SET "title" = $1, "version" = a."version" + 1, "event_seq" = a."event_seq" + 1, "updated_at" = now()
       WHERE a."id" = $2 AND a."version" = $3 AND EXISTS (SELECT 1 FROM "token")
       RETURNING ${ARTICLE}, a."body_html", a."body_text", a."word_count", a."trashed_at", a."event_seq"),
     "revision" AS (
       INSERT INTO "article_revisions" ("article_id", "number", "action", "token_id", "token_name", "snapshot")
       SELECT c."id", c."version", 'update', t."id", t."name", jsonb_build_object(
         'title', c."title", 'slug', c."slug", 'excerpt', c."excerpt", 'body', c."body", 'tags', to_jsonb(c."tags"),
         'authorId', c."author_id", 'coverImageId', c."cover_image_id",
         'status', CASE WHEN c."published_at" IS NULL THEN 'draft' WHEN c."published_at" > now() THEN 'scheduled' ELSE 'published' END,
         'publishedAt', to_char(c."published_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
         'trashed', c."trashed_at" IS NOT NULL)
       FROM "changed" c, "token" t),
     "event" AS (
       INSERT INTO "outbox_events" ("type", "article_id", "sequence", "data")
       SELECT 'article.updated', c."id", c."event_seq", jsonb_build_object('id', c."id", 'slug', c."slug", 'tags', to_jsonb(c."tags"),
         'authorId', c."author_id", 'coverImageId', c."cover_image_id", 'sequence', c."event_seq")
       FROM "changed" c)
     SELECT c.*, au."slug" AS author_slug, au."name" AS author_name FROM "changed" c JOIN "authors" au ON au."id" = c."author_id"`,
    [request.body.title, request.params.id, current.version, createHash('sha256').update(secret).digest('hex')],
  )
  const row = rows[0]
  if (!row) return stale()
  return send(reply, 200, single(row, new Date()), (h) => `"${row.version}-${h}"`)
})

app.get('/health/ready', async () => ({ status: 'ok' }))

await app.listen({ port: Number(process.env.PORT ?? 3100), host: '127.0.0.1' })
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(
    signal,
    () =>
      void app
        .close()
        .then(() => pool.end())
        .then(() => process.exit(0)),
  )
