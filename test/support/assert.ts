import type { Test } from 'tap'
import { json, snapshot, type TestApp } from './app.js'

/**
 * Assertions shared by the suites: what a refusal must look like (isProblem), proof that
 * nothing was written (state/unchanged), proof that nothing private leaked (noLeak).
 */

export interface Res {
  statusCode: number
  headers: Record<string, unknown>
  body: string
}

// ---------------------------------------------------------------------------------------------
// Responses

/** The body parsed as JSON, or undefined when it is not JSON (`json` in app.ts throws instead). */
export function body(res: { body: string }): any {
  try {
    return json(res)
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

/** The `path` of every entry in a problem's `errors` (none when there are none). */
export function errorPaths(res: { body: string }): string[] {
  return (body(res)?.errors ?? []).map((e: { path: string }) => e.path)
}

/** Asserts an RFC 9457 refusal: status, problem+json, stable code, and (optionally) the culprit. */
export function isProblem(t: Test, res: Res, status: number, code: string, path?: string): any {
  t.equal(res.statusCode, status, `status ${status} (got ${res.statusCode}: ${res.body.slice(0, 200)})`)
  t.match(
    String(res.headers['content-type'] ?? ''),
    /^application\/problem\+json/,
    'content-type is application/problem+json',
  )
  const parsed = body(res)
  t.equal(parsed?.code, code, `code ${code}`)
  t.equal(parsed?.status, res.statusCode, 'the body repeats the status')
  if (path !== undefined) {
    const paths = errorPaths(res)
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
      select: {
        id: true,
        name: true,
        role: true,
        authorId: true,
        secretHash: true,
        prefix: true,
        fromEnvironment: true,
        createdAt: true,
      },
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
    if (before[table].length !== after[table].length)
      diffs.push(`${table}: ${before[table].length} → ${after[table].length} rows`)
    else if (JSON.stringify(before[table]) !== JSON.stringify(after[table])) diffs.push(`${table}: rows changed`)
  }
  t.same(diffs, [], what)
}

// ---------------------------------------------------------------------------------------------
// Requests

/** An inject body sent as application/json (light-my-request sets the type for objects). */
export function jsonPayload(payload: object) {
  return { payload }
}
