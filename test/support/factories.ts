import { randomBytes } from 'node:crypto'
import sharp from 'sharp'
import type { Role } from '../../src/auth.js'
import type { Article, CreateArticle, TrashedArticle } from '../../src/schemas/article.js'
import type { Author, CreateAuthor } from '../../src/schemas/author.js'
import type { Comment, CommentStatus, CreateComment } from '../../src/schemas/comment.js'
import type { Media } from '../../src/schemas/media.js'
import type { CreatedToken } from '../../src/schemas/token.js'
import type { CreatedWebhook, CreateWebhook } from '../../src/schemas/webhook.js'
import { walk, type Headers, type TestApp } from './app.js'

/**
 * Factories: the rows a test needs, built through the public API (`app.inject` with an admin
 * token), so a test states the facts it depends on and the sample content
 * (src/db/seed-data.ts) can change freely. Each returns the resource as the API represents it
 * to an admin. Names, slugs and emails are unique per call; emails are `@example.org`, so
 * `noLeak` (assert.ts) catches them like the seed's. Use them on an empty database:
 * `buildTestApp(t, { SEED_ON_EMPTY: false })`.
 */

/** A well-formed id that names nothing. */
export const UNKNOWN_UUID = '7d4c1a2e-9b3f-4e8a-8c6d-5f2e1b0a9c3d'

let made = 0
/** `prefix-<counter>-<random>`: unique in this process and across processes sharing a database. */
export function unique(prefix: string): string {
  made += 1
  return `${prefix}-${made}-${randomBytes(3).toString('hex')}`
}

const admins = new WeakMap<TestApp, Promise<Headers>>()
/**
 * `Authorization` headers of the admin token the factories use (one per app, made on first
 * use). Note that it is a row of `api_tokens`: a test that counts tokens sees it.
 */
export function adminHeaders(app: TestApp): Promise<Headers> {
  let headers = admins.get(app)
  if (!headers) {
    headers = app.services.tokens
      .create({ name: unique('factory admin'), role: 'admin' })
      .then((token) => ({ authorization: `Bearer ${token.secret}` }))
    admins.set(app, headers)
  }
  return headers
}

type Ref = string | { id: string }
const idOf = (ref: Ref) => (typeof ref === 'string' ? ref : ref.id)

async function send<T>(
  app: TestApp,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  expected: number,
  payload?: object,
  headers?: Headers,
): Promise<T> {
  const res = await app.inject({
    method,
    url,
    headers: { ...(headers ?? (await adminHeaders(app))), ...(method === 'PATCH' ? { 'if-match': '*' } : {}) },
    ...(payload ? { payload } : {}),
  })
  if (res.statusCode !== expected) {
    throw new Error(`factory: ${method} ${url} answered ${res.statusCode}, not ${expected}: ${res.body.slice(0, 500)}`)
  }
  return (res.body ? JSON.parse(res.body) : undefined) as T
}

// ---------------------------------------------------------------------------------------------
// Authors

/** An author with a unique name, slug and email; overrides win. */
export async function createAuthor(app: TestApp, overrides: Partial<CreateAuthor> = {}): Promise<Author> {
  const key = unique('author')
  return send<Author>(app, 'POST', '/api/v1/authors', 201, {
    name: `Author ${key}`,
    slug: key,
    email: `${key}@example.org`,
    ...overrides,
  })
}

// ---------------------------------------------------------------------------------------------
// Articles

export type ArticleState = 'draft' | 'published' | 'scheduled' | 'trashed'

export interface ArticleOptions extends Partial<CreateArticle> {
  /** Default `draft` (what POST /articles makes). */
  state?: ArticleState
  /**
   * published: when (a past instant backdates it; default now). scheduled: when it goes live
   * (default a week from now). trashed: the publication it had before the trash (default none: a
   * trashed draft); give `trashedFrom` instead to say which state it was in.
   */
  publishedAt?: string
  /** trashed: the state it was in before the trash (default: draft, or what `publishedAt` makes it). */
  trashedFrom?: Exclude<ArticleState, 'trashed'>
  /** The caller that creates it (default the factories' admin token); an author token writes for its own author. */
  as?: Headers
}

const WEEK_MS = 7 * 86_400_000

/**
 * An article in the given state. Without `authorId` a new author is made for it (unless `as`
 * is an author token, which writes for its own). Returns the admin's representation: for a
 * trashed one, the trash entry (with `trashedAt` and `purgeAt`).
 */
export async function createArticle(
  app: TestApp,
  options: ArticleOptions & { state: 'trashed' },
): Promise<TrashedArticle>
export async function createArticle(app: TestApp, options?: ArticleOptions): Promise<Article>
export async function createArticle(app: TestApp, options: ArticleOptions = {}): Promise<Article | TrashedArticle> {
  const { state = 'draft', publishedAt, trashedFrom, as, ...fields } = options
  const key = unique('article')
  const authorId = fields.authorId ?? (as ? undefined : (await createAuthor(app)).id)
  const created = await send<Article>(
    app,
    'POST',
    '/api/v1/articles',
    201,
    {
      title: `Article ${key}`,
      slug: key,
      excerpt: `The excerpt of ${key}.`,
      body: `The body of ${key}.`,
      tags: [],
      ...fields,
      ...(authorId ? { authorId } : {}),
    },
    as,
  )
  if (state === 'trashed') {
    const fromDate =
      publishedAt === undefined ? 'draft' : Date.parse(publishedAt) > Date.now() ? 'scheduled' : 'published'
    const before = trashedFrom ?? fromDate
    if (before !== 'draft') await setArticleState(app, created, before, { publishedAt, as })
    return setArticleState(app, created, 'trashed', { as })
  }
  if (state === 'draft') return created
  return setArticleState(app, created, state, { publishedAt, as })
}

/**
 * Moves an existing article to `state` through the API: draft (unpublish), published (now, or
 * at a past `publishedAt`), scheduled (at `publishedAt`, default a week from now), trashed
 * (DELETE; `restoreArticle` brings it back). Build comments on a published article first, then
 * move it: only published articles take comments.
 */
export async function setArticleState(
  app: TestApp,
  article: Ref,
  state: 'trashed',
  options?: { publishedAt?: string | undefined; as?: Headers | undefined },
): Promise<TrashedArticle>
export async function setArticleState(
  app: TestApp,
  article: Ref,
  state: ArticleState,
  options?: { publishedAt?: string | undefined; as?: Headers | undefined },
): Promise<Article>
export async function setArticleState(
  app: TestApp,
  article: Ref,
  state: ArticleState,
  options: { publishedAt?: string | undefined; as?: Headers | undefined } = {},
): Promise<Article | TrashedArticle> {
  const id = idOf(article)
  const path = `/api/v1/articles/${id}`
  const { as } = options
  switch (state) {
    case 'trashed': {
      await send(app, 'DELETE', path, 204, undefined, as)
      const entry = (await walk<TrashedArticle>(app, '/api/v1/trash?limit=100', as ?? (await adminHeaders(app)))).find(
        (a) => a.id === id,
      )
      if (!entry) throw new Error(`factory: article ${id} is not in the trash`)
      return entry
    }
    case 'draft':
      return send<Article>(app, 'POST', `${path}/unpublish`, 200, undefined, as)
    case 'published':
      return send<Article>(
        app,
        'POST',
        `${path}/publish`,
        200,
        options.publishedAt !== undefined ? { publishAt: options.publishedAt } : {},
        as,
      )
    case 'scheduled':
      return send<Article>(
        app,
        'POST',
        `${path}/publish`,
        200,
        { publishAt: options.publishedAt ?? new Date(Date.now() + WEEK_MS).toISOString() },
        as,
      )
  }
}

/** Brings a trashed article back (POST /articles/{id}/restore): as it was before the trash. */
export async function restoreArticle(app: TestApp, article: Ref, as?: Headers): Promise<Article> {
  return send<Article>(app, 'POST', `/api/v1/articles/${idOf(article)}/restore`, 200, undefined, as)
}

// ---------------------------------------------------------------------------------------------
// Comments

export interface CommentOptions extends Partial<Omit<CreateComment, 'parentId'>> {
  /** Default `pending` (what POST makes); `spam` and `rejected` are set by moderation, like `approved`. */
  status?: CommentStatus
  /** The comment it replies to (same article). */
  parent?: Ref
}

/**
 * A comment on a published article (only those take comments), posted with the admin token
 * (so no comment rate limit counts it) and then moderated to `status`. Returns the moderator
 * representation (with `authorEmail`).
 */
export async function createComment(app: TestApp, article: Ref, options: CommentOptions = {}): Promise<Comment> {
  const { status = 'pending', parent, ...fields } = options
  const key = unique('reader')
  const posted = await send<Comment>(app, 'POST', `/api/v1/articles/${idOf(article)}/comments`, 201, {
    authorName: `Reader ${key}`,
    authorEmail: `${key}@example.org`,
    body: `A comment by ${key}.`,
    ...fields,
    ...(parent ? { parentId: idOf(parent) } : {}),
  })
  if (status === 'pending') return send<Comment>(app, 'GET', `/api/v1/comments/${posted.id}`, 200)
  return send<Comment>(app, 'PATCH', `/api/v1/comments/${posted.id}`, 200, { status })
}

// ---------------------------------------------------------------------------------------------
// Tokens

export interface TokenOptions {
  /** Default `viewer`. */
  role?: Role
  /** The author an `author` token acts for (required for that role; default: a new author). */
  author?: Ref
  name?: string
}

/** A token made through POST /tokens, with its secret and ready `headers`. */
export async function createToken(
  app: TestApp,
  options: TokenOptions = {},
): Promise<CreatedToken & { headers: Headers }> {
  const { role = 'viewer', name = unique(`test ${role}`) } = options
  const authorId = options.author ? idOf(options.author) : role === 'author' ? (await createAuthor(app)).id : undefined
  const token = await send<CreatedToken>(app, 'POST', '/api/v1/tokens', 201, {
    name,
    role,
    ...(authorId ? { authorId } : {}),
  })
  return { ...token, headers: { authorization: `Bearer ${token.secret}` } }
}

// ---------------------------------------------------------------------------------------------
// Webhook subscriptions

/**
 * A webhook subscription (default: every event, to a unique https://hooks.example.com path,
 * which the SSRF rules accept without resolving it now). Returns it with its signing secret.
 */
export async function createWebhook(app: TestApp, overrides: Partial<CreateWebhook> = {}): Promise<CreatedWebhook> {
  return send<CreatedWebhook>(app, 'POST', '/api/v1/webhooks', 201, {
    url: `https://hooks.example.com/${unique('hook')}`,
    events: ['*'],
    ...overrides,
  })
}

// ---------------------------------------------------------------------------------------------
// Media

/** A multipart/form-data body as a browser's FormData sends it: the file in `file`, text fields beside it. */
export async function multipartUpload(
  file: Buffer | undefined,
  fields: Record<string, string> = {},
  filename = 'photo.jpg',
): Promise<{ payload: Buffer; headers: Headers }> {
  const form = new FormData()
  if (file !== undefined) form.append('file', new Blob([new Uint8Array(file)], { type: 'image/jpeg' }), filename)
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  const request = new Request('http://localhost/', { method: 'POST', body: form })
  return {
    payload: Buffer.from(await request.arrayBuffer()),
    headers: { 'content-type': request.headers.get('content-type')! },
  }
}

/** An uploaded image (by default a plain 400×300 PNG), through POST /api/v1/media. */
export async function createMedia(
  app: TestApp,
  options: { file?: Buffer; fields?: Record<string, string>; as?: Headers } = {},
): Promise<Media> {
  const file =
    options.file ??
    (await sharp({ create: { width: 400, height: 300, channels: 3, background: '#336699' } })
      .png()
      .toBuffer())
  const body = await multipartUpload(file, options.fields)
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/media',
    headers: { ...(options.as ?? (await adminHeaders(app))), ...body.headers },
    payload: body.payload,
  })
  if (res.statusCode !== 201) throw new Error(`factory: POST /api/v1/media answered ${res.statusCode}: ${res.body}`)
  return JSON.parse(res.body) as Media
}
