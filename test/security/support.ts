import type { Test } from 'tap'
import { articles as seedArticles, authors as seedAuthors, comments as seedComments } from '../../prisma/seed-data.js'
import { seedId } from '../../src/db/seed.js'
import { snapshot, type TestApp } from '../helper.js'

/**
 * Shared helpers of the adversarial suite (test/security/): what a refusal must look like,
 * proof that nothing was written, proof that nothing private leaked.
 */

export interface Res {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}

// ---------------------------------------------------------------------------------------------
// Seed facts

const article = (key: string) => {
  const found = seedArticles.find((a) => a.key === key)
  if (!found) throw new Error(`no seed article ${key}`)
  return { ...found, id: seedId('article', key), authorId: seedId('author', found.authorKey) }
}
const author = (key: string) => {
  const found = seedAuthors.find((a) => a.key === key)
  if (!found) throw new Error(`no seed author ${key}`)
  return { ...found, id: seedId('author', key) }
}

/** Published, by Đặng Thu Hà (thuha), with approved comments and a spam one. */
export const tram = article('tram-opening')
/** Published, by João (joao). */
export const harbour = article('harbour-comeback')
/** Drafts: João's, Yusuf's; a scheduled one by Siobhán. */
export const joaoDraft = article('marathon-start')
export const yusufDraft = article('smart-city-opinion')
export const scheduled = article('winter-lights')

export const thuha = author('thuha')
export const joao = author('joao')
export const yusuf = author('yusuf')
export const malgorzata = author('malgorzata')

/** Articles an anonymous caller must never learn about (drafts and the scheduled one). */
export const hiddenArticles = seedArticles
  .filter((a) => a.publishedAt === null)
  .map((a) => ({ ...a, id: seedId('article', a.key), authorId: seedId('author', a.authorKey) }))
export const publishedIds = new Set(seedArticles.filter((a) => a.publishedAt !== null).map((a) => seedId('article', a.key)))

export const authorEmails = seedAuthors.map((a) => a.email)
export const commenterEmails = [...new Set(seedComments.map((c) => c.authorEmail))]

export const UNKNOWN_UUID = '7d4c1a2e-9b3f-4e8a-8c6d-5f2e1b0a9c3d'

/** Strings from an unpublished article: its title, slug, id and the start of its body. */
export function hiddenStrings(exceptAuthorKey?: string): string[] {
  return hiddenArticles
    .filter((a) => a.authorKey !== exceptAuthorKey)
    .flatMap((a) => [a.title, a.slug, a.id, a.body.slice(0, 60)])
}

// ---------------------------------------------------------------------------------------------
// Responses

export function body(res: Res): any {
  try {
    return JSON.parse(res.body)
  } catch {
    return undefined
  }
}

/** The body without `instance` (the path the caller sent is their own input, echoed back). */
export function withoutInstance(res: Res): unknown {
  const parsed = body(res)
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const { instance: _instance, ...rest } = parsed as Record<string, unknown>
    return rest
  }
  return res.body
}

/** Asserts an RFC 9457 refusal: status, problem+json, stable code, and (optionally) the culprit. */
export function isProblem(t: Test, res: Res, status: number, code: string, path?: string): any {
  t.equal(res.statusCode, status, `status ${status} (got ${res.statusCode}: ${res.body.slice(0, 200)})`)
  t.match(String(res.headers['content-type'] ?? ''), /^application\/problem\+json/, 'content-type is application/problem+json')
  const parsed = body(res)
  t.equal(parsed?.code, code, `code ${code}`)
  t.equal(parsed?.status, res.statusCode, 'the body repeats the status')
  if (path !== undefined) {
    const paths = (parsed?.errors ?? []).map((e: { path: string }) => e.path)
    t.ok(paths.includes(path), `names ${path} (errors: ${JSON.stringify(paths)})`)
  }
  return parsed
}

const INTERNALS = /\n\s+at |node_modules|prisma|Prisma|SELECT|ERROR:|\.ts:\d+|\bat async\b/
const SEED_EMAIL = /[\w.+-]+@(?:[\w-]+\.)*example\.(?:org|com|net)\b/
const SECRET = /bs_[A-Za-z0-9_-]{43}/
const SHA256_HEX = /\b[0-9a-f]{64}\b/

/**
 * Nothing private in the body (instance excepted) or the headers: no stack trace or SQL, no
 * seed email address, no token secret or hash, none of the `also` strings (draft titles...).
 */
export function noLeak(t: Test, res: Res, also: string[] = []): void {
  const parsed = withoutInstance(res)
  const text = typeof parsed === 'string' ? parsed : JSON.stringify(parsed)
  const headers = JSON.stringify(res.headers)
  t.notMatch(text, INTERNALS, 'no stack trace, SQL or internals in the body')
  t.notMatch(text, SEED_EMAIL, 'no email address in the body')
  t.notMatch(headers, SEED_EMAIL, 'no email address in the headers')
  t.notMatch(text, SECRET, 'no token secret in the body')
  t.notMatch(text, SHA256_HEX, 'no token hash in the body')
  const shown = also.filter((s) => text.includes(s) || headers.includes(s))
  t.same(shown, [], 'no private string from the forbidden list')
}

// ---------------------------------------------------------------------------------------------
// State

/** Every content row plus the tokens (without lastUsedAt, which reads may bump). */
export async function state(app: TestApp) {
  const [content, tokens] = await Promise.all([
    snapshot(app),
    app.db.prisma.apiToken.findMany({
      select: { id: true, name: true, role: true, authorId: true, secretHash: true, prefix: true, fromEnvironment: true, createdAt: true },
      orderBy: { id: 'asc' },
    }),
  ])
  return { ...content, tokens }
}
export type State = Awaited<ReturnType<typeof state>>

/** Asserts that the database holds exactly what it held before. */
export async function unchanged(t: Test, app: TestApp, before: State, what = 'nothing was written'): Promise<void> {
  const after = await state(app)
  const diffs: string[] = []
  for (const table of Object.keys(before) as (keyof State)[]) {
    if (before[table].length !== after[table].length) diffs.push(`${table}: ${before[table].length} → ${after[table].length} rows`)
    else if (JSON.stringify(before[table]) !== JSON.stringify(after[table])) diffs.push(`${table}: rows changed`)
  }
  t.same(diffs, [], what)
}

/** An inject body sent as application/json (light-my-request sets the type for objects). */
export function json(payload: object) {
  return { payload }
}
