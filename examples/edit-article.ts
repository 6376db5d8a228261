/**
 * An editor's frontend updating an article through the typed client: read it (the ETag comes
 * with it), PATCH it with that ETag as If-Match, typed in `params.header` like the path.
 *
 *   BROADSHEET_URL=http://127.0.0.1:3000 BROADSHEET_TOKEN=bs_… npx tsx examples/edit-article.ts <id or slug> "New title"
 *
 * A 412 means someone saved in between: read again and redo the change. Exits non-zero on any failure.
 */
import createClient from 'openapi-fetch'
import type { components, paths } from './broadsheet-api.js'

type Problem = components['schemas']['Problem']

const baseUrl = process.env.BROADSHEET_URL ?? 'http://127.0.0.1:3000'
const token = process.env.BROADSHEET_TOKEN
const client = createClient<paths>({ baseUrl, headers: token ? { Authorization: `Bearer ${token}` } : {} })

function failure(what: string, response: Response, problem: Problem | undefined): Error {
  const detail = problem ? `${problem.code}: ${problem.detail}` : response.statusText
  return new Error(`${what} failed with ${response.status} (${detail})`)
}

async function main(idOrSlug: string, title: string): Promise<void> {
  const read = await client.GET('/api/v1/articles/{idOrSlug}', { params: { path: { idOrSlug } } })
  if (!read.data) throw failure(`GET ${idOrSlug}`, read.response, read.error)
  const etag = read.response.headers.get('ETag')
  if (!etag) throw new Error(`GET ${idOrSlug} sent no ETag`)

  const updated = await client.PATCH('/api/v1/articles/{idOrSlug}', {
    params: { path: { idOrSlug }, header: { 'If-Match': etag } },
    body: { title },
  })
  if (!updated.data) throw failure(`PATCH ${idOrSlug}`, updated.response, updated.error)
  console.log(
    `"${read.data.title}" is now "${updated.data.title}" (ETag ${etag} → ${updated.response.headers.get('ETag')})`,
  )
}

const [idOrSlug, title] = process.argv.slice(2)
try {
  if (!idOrSlug || !title) throw new Error('usage: edit-article.ts <id or slug> <new title>')
  await main(idOrSlug, title)
} catch (error) {
  console.error(`edit-article: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
}
