import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ConfigSchema } from '../../src/config.js'
import { CATALOGUE, problemType, type ProblemCode } from '../../src/errors.js'
import { ROOT } from '../support/process.js'

/**
 * One catalogue of problem codes (src/errors.ts), held against the README's table, the
 * committed OpenAPI document's examples and the source: a code in one and not the others
 * fails here, and so does an example whose status, title or type the catalogue would not give.
 */
const catalogue = Object.keys(CATALOGUE).sort()

t.test('the README lists exactly the catalogue, with the same statuses', async (t) => {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### Error codes'))
  const rows = [...section.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => ({
    code: m[1]!,
    status: Number(m[2]),
  }))
  t.ok(rows.length > 0, 'the README has an error-code table')
  t.same(rows.map((r) => r.code).sort(), catalogue, 'same codes')
  for (const row of rows) t.equal(row.status, CATALOGUE[row.code as ProblemCode]?.status, `${row.code}: same status`)
  // Anywhere else in the README, a `CODE` that is not a setting, an environment variable of
  // the tools, or SQL must be a catalogue code.
  const notCodes = new Set([
    ...Object.keys(ConfigSchema.properties),
    'TEST_DATABASE_URL',
    'BROADSHEET_URL',
    'DELETE',
    'PATCH',
    'UPDATE',
    'TRUNCATE',
  ])
  for (const m of readme.matchAll(/`([A-Z][A-Z_]{4,})`/g)) {
    if (!notCodes.has(m[1]!) && !(m[1]! in CATALOGUE)) t.fail(`the README names ${m[1]}, which is not in the catalogue`)
  }
})

t.test('the OpenAPI document shows every code, each as the catalogue makes it', async (t) => {
  const doc = JSON.parse(await readFile(path.join(ROOT, 'openapi', 'openapi.json'), 'utf8')) as Record<string, any>
  const seen = new Set<string>()
  let examples = 0
  for (const [route, operations] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const [status, shared] of Object.entries(operation.responses ?? {}) as [string, any][]) {
        // Problem responses are shared: `$ref` to components/responses.
        const response = shared.$ref
          ? doc.components.responses[shared.$ref.replace('#/components/responses/', '')]
          : shared
        const media = response.content?.['application/problem+json']
        if (!media) continue
        t.notOk(media.example, `${method} ${route} ${status}: examples by code, not one example`)
        for (const [name, example] of Object.entries(media.examples ?? {}) as [string, any][]) {
          examples++
          const value = example.value
          const entry = CATALOGUE[value.code as ProblemCode]
          if (!entry) {
            t.fail(`${method} ${route} ${status}: example code ${value.code} is not in the catalogue`)
            continue
          }
          seen.add(value.code)
          if (
            name !== value.code ||
            entry.status !== Number(status) ||
            value.status !== entry.status ||
            value.title !== entry.title ||
            value.type !== problemType(value.code)
          ) {
            t.fail(`${method} ${route} ${status}: example ${name} is not what the catalogue makes of ${value.code}`)
          }
        }
      }
    }
  }
  t.ok(examples > 0, `problem examples found (${examples})`)
  t.same([...seen].sort(), catalogue, 'every catalogue code appears in an example, and no other')
  const description = doc.components.schemas.Problem.properties.code.description as string
  t.same(
    [...description.matchAll(/\b[A-Z][A-Z_]{4,}\b/g)].map((m) => m[0]).sort(),
    catalogue,
    'Problem.code names exactly the catalogue',
  )
})

t.test('problems are made from the catalogue only', async (t) => {
  const files: string[] = []
  const walk = async (dir: string) => {
    for (const entry of await readdir(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`
      if (entry.isDirectory()) {
        if (rel !== 'src/generated') await walk(rel)
      } else if (rel.endsWith('.ts')) files.push(rel)
    }
  }
  await walk('src')
  const offenders: string[] = []
  for (const file of files) {
    if (file === 'src/errors.ts') continue
    const text = await readFile(path.join(ROOT, file), 'utf8')
    if (/['"`]urn:broadsheet:problem:/.test(text)) offenders.push(`${file}: builds a problem type itself`)
    for (const m of text.matchAll(/new ProblemError\(\s*(\d+)/g))
      offenders.push(`${file}: new ProblemError(${m[1]}, …) with a status of its own`)
  }
  t.same(offenders, [], 'status, title and type come from src/errors.ts')
  for (const [code, entry] of Object.entries(CATALOGUE)) {
    t.match(code, /^[A-Z]+(_[A-Z]+)*$/, `${code}: SCREAMING_SNAKE_CASE`)
    t.ok(
      entry.status >= 400 && entry.status <= 599 && entry.title.length > 0 && entry.detail.length > 0,
      `${code}: status, title, detail`,
    )
  }
})
