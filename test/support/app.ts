import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Test } from 'tap'
import { buildApp } from '../../src/app.js'
import type { Role } from '../../src/auth.js'
import { configWith, type Config } from '../../src/config.js'
import { responseContract } from '../contract/response-contract.js'

/**
 * Tests run against a real database, never a mock. With TEST_DATABASE_URL set (CI does) each
 * call gets a brand-new Postgres database on that server, dropped afterwards; without it,
 * a brand-new in-memory PGlite. Either way no test file sees another's rows.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined
export const onPostgres = TEST_DATABASE_URL !== undefined

/** A fresh, empty database for one test: its config values and a way to drop it. */
export async function freshDatabase(t: Test): Promise<Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>> {
  if (!TEST_DATABASE_URL) return { DATA_DIR: 'memory://', DATABASE_URL: undefined }
  const name = `broadsheet_test_${process.pid}_${randomBytes(4).toString('hex')}`
  await adminQuery(`CREATE DATABASE "${name}"`)
  t.teardown(() => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`))
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  return { DATABASE_URL: url.toString(), DATA_DIR: 'memory://' }
}

export async function adminQuery(sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    return await client.query(sql, params)
  } finally {
    await client.end()
  }
}

/** Rate limits out of the way of functional tests; the security tests set their own. */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_PER_MINUTE: 1_000_000,
  COMMENT_RATE_LIMIT: 10_000,
  COMMENT_RATE_LIMIT_PER_ARTICLE: 10_000,
  AUTH_FAILURES_PER_MINUTE: 100_000,
}

export type TestApp = Awaited<ReturnType<typeof buildApp>>

/**
 * The real app (same buildApp as the server) on a fresh database, seeded unless told not to,
 * without background jobs unless `RUN_BACKGROUND_JOBS: true` is among the overrides.
 * Every response it sends is checked against its own OpenAPI document (see
 * test/contract/response-contract.ts): one the document does not describe fails `t`.
 */
export async function buildTestApp(
  t: Test,
  overrides: Partial<Config> = {},
  options: { logStream?: NodeJS.WritableStream } = {},
): Promise<TestApp> {
  const contract = responseContract(t)
  // Background jobs (delivery worker, go-live sweep, housekeeping) only where a test asks for
  // them: elsewhere they would only add load to every other test running beside it.
  const config = configWith({
    ...(await freshDatabase(t)),
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: 4,
    RUN_BACKGROUND_JOBS: false,
    ...GENEROUS_LIMITS,
    ...overrides,
  })
  const app = await contract.instrument(() =>
    buildApp(config, options.logStream ? { logStream: options.logStream } : { logger: false }),
  )
  t.teardown(() => app.close())
  return app
}

/** The response body parsed as JSON (throws when it is not JSON; see `body` in assert.ts for the lenient read). */
export function json<T = any>(response: { body: string }): T {
  return JSON.parse(response.body) as T
}

/** Walks a list through `meta.nextCursor`, asserting the Link header agrees, until the end: every row, in order. */
export async function walk<Row = Record<string, any>>(
  app: TestApp,
  url: string,
  headers: Headers = {},
): Promise<Row[]> {
  const rows: Row[] = []
  let next: string | null = url
  for (let i = 0; next && i < 100; i++) {
    const res = await app.inject({ url: next, headers })
    if (res.statusCode !== 200) throw new Error(`${next}: ${res.statusCode} ${res.body}`)
    const body = json<{ data: Row[]; meta: { nextCursor: string | null } }>(res)
    rows.push(...body.data)
    const link = res.headers.link as string | undefined
    if (body.meta.nextCursor === null) {
      if (link) throw new Error('Link header on the last page')
      next = null
    } else {
      next = /^<([^>]+)>; rel="next"$/.exec(link ?? '')?.[1] ?? null
      if (!next?.includes(`cursor=${encodeURIComponent(body.meta.nextCursor)}`)) throw new Error(`bad Link: ${link}`)
    }
  }
  return rows
}

export type Headers = Record<string, string>

/** `Authorization` headers for a new token of `role` (author tokens are bound to `authorId`). */
export async function tokenHeaders(app: TestApp, role: Role, authorId?: string): Promise<Headers> {
  const token = await app.services.tokens.create({ name: `test ${role}`, role, ...(authorId ? { authorId } : {}) })
  return { authorization: `Bearer ${token.secret}` }
}

/**
 * One caller of each kind, for role × route matrices: anonymous, viewer, an author token for
 * `ownAuthorId`, an author token for `otherAuthorId`, editor, admin.
 */
export async function callers(app: TestApp, ownAuthorId: string, otherAuthorId: string) {
  return {
    anonymous: {} as Headers,
    viewer: await tokenHeaders(app, 'viewer'),
    authorOwn: await tokenHeaders(app, 'author', ownAuthorId),
    authorOther: await tokenHeaders(app, 'author', otherAuthorId),
    editor: await tokenHeaders(app, 'editor'),
    admin: await tokenHeaders(app, 'admin'),
  }
}
export type Caller = keyof Awaited<ReturnType<typeof callers>>

/** Rows of every content table (revisions and preview links included), to prove a refused write changed nothing. */
export async function snapshot(app: TestApp) {
  const { prisma } = app.db
  const [authors, articles, comments, revisions, previews] = await Promise.all([
    prisma.author.findMany({ orderBy: { id: 'asc' } }),
    prisma.article.findMany({ orderBy: { id: 'asc' } }),
    prisma.comment.findMany({ orderBy: { id: 'asc' } }),
    prisma.articleRevision.findMany({ orderBy: [{ articleId: 'asc' }, { number: 'asc' }] }),
    prisma.previewToken.findMany({ orderBy: { id: 'asc' } }),
  ])
  return { authors, articles, comments, revisions, previews }
}

// ---------------------------------------------------------------------------------------------
// Comment requests and reads shared by test/routes/comments.test.ts and test/security/abuse.test.ts

/** POST a comment on an article (by id or slug), optionally from `remoteAddress` and with `headers`. */
export async function postComment(
  app: TestApp,
  idOrSlug: string,
  payload: unknown,
  opts: { headers?: Headers; remoteAddress?: string } = {},
) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/articles/${idOrSlug}/comments`,
    headers: opts.headers ?? {},
    ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
    payload: payload as object,
  })
}

/** Ids of the comments the public sees on an article (first 100). */
export async function publicCommentIds(app: TestApp, slug: string): Promise<string[]> {
  const res = await app.inject(`/api/v1/articles/${slug}/comments?limit=100`)
  return json(res).data.map((c: { id: string }) => c.id)
}

/** The article's public `commentCount` (throws unless the article reads 200). */
export async function commentCount(app: TestApp, slug: string): Promise<number> {
  const res = await app.inject(`/api/v1/articles/${slug}`)
  if (res.statusCode !== 200) throw new Error(`GET article ${slug}: ${res.statusCode}`)
  return json(res).commentCount
}
