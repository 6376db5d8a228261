import { readFile, readdir } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { ROOT } from '../support/process.js'

/**
 * The import rules of docs/ARCHITECTURE.md, read from its table and held against every
 * relative import in src/: an arrow that points up (a schema importing a service, a route
 * querying, Prisma's client outside src/db) fails here with the file and the import.
 */
const FOUNDATION = ['src/config.ts', 'src/errors.ts', 'src/auth.ts', 'src/validation.ts']

interface Rule {
  files: string[]
  allowed: string[]
}

function parseRules(markdown: string): Rule[] {
  const block = /<!-- import-rules[^>]*-->([\s\S]*?)<!-- \/import-rules -->/.exec(markdown)?.[1]
  if (!block) throw new Error('docs/ARCHITECTURE.md has no import-rules table')
  const expand = (cell: string) => [
    ...[...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
    ...(/\bfoundation\b/.test(cell.replace(/`[^`]+`/g, '')) ? FOUNDATION : []),
  ]
  return block
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line) && !/^\|\s*files\s*\|/.test(line))
    .map((line) => {
      const [, files, allowed] = line.split('|').map((c) => c.trim())
      return { files: expand(files ?? ''), allowed: expand(allowed ?? '') }
    })
}

const covers = (pattern: string, file: string) => (pattern.endsWith('/') ? file.startsWith(pattern) : file === pattern)

/** The rule for a file: the most specific pattern naming it (a file beats its folder). */
function ruleFor(rules: Rule[], file: string): Rule | undefined {
  let best: { rule: Rule; length: number } | undefined
  for (const rule of rules) {
    for (const pattern of rule.files) {
      if (covers(pattern, file) && (!best || pattern.length > best.length)) best = { rule, length: pattern.length }
    }
  }
  return best?.rule
}

/** Violations among `imports` (importer → imported, both repo-relative .ts paths). */
export function violations(rules: Rule[], imports: [string, string][]): string[] {
  const out: string[] = []
  for (const [from, to] of imports) {
    const rule = ruleFor(rules, from)
    if (!rule) out.push(`${from}: no rule in docs/ARCHITECTURE.md covers this file`)
    else if (!rule.allowed.some((pattern) => covers(pattern, to))) out.push(`${from} imports ${to}`)
  }
  return out
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`
    if (entry.isDirectory()) {
      if (rel !== 'src/generated') out.push(...(await sourceFiles(rel)))
    } else if (entry.name.endsWith('.ts')) out.push(rel)
  }
  return out
}

/** Every relative import of every file in src/, resolved to a repo-relative .ts path. */
async function importsOfSrc(): Promise<[string, string][]> {
  const pairs: [string, string][] = []
  for (const file of await sourceFiles('src')) {
    const text = await readFile(path.join(ROOT, file), 'utf8')
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!)).replace(/\.js$/, '.ts')
      pairs.push([file, target])
    }
  }
  return pairs
}

t.test('every import in src/ follows the rules docs/ARCHITECTURE.md states', async (t) => {
  const rules = parseRules(await readFile(path.join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8'))
  t.ok(rules.length >= 8, `the table has its rules (${rules.length})`)
  const imports = await importsOfSrc()
  t.ok(imports.length > 100, `imports found (${imports.length})`)
  t.same(violations(rules, imports), [], 'no import points up')

  const outside = imports.filter(([, to]) => !to.startsWith('src/'))
  t.same(outside, [], 'nothing in src/ imports from prisma/, test/, bench/ or scripts/')
  const prisma = imports.filter(([from, to]) => to.startsWith('src/generated/') && !from.startsWith('src/db/'))
  t.same(prisma, [], "only src/db imports Prisma's generated client")
})

t.test('the checker catches what it should', async (t) => {
  const rules = parseRules(await readFile(path.join(ROOT, 'docs', 'ARCHITECTURE.md'), 'utf8'))
  t.same(
    violations(rules, [
      ['src/schemas/article.ts', 'src/services/slug.ts'],
      ['src/services/articles.ts', 'src/generated/prisma/client.ts'],
      ['src/routes/articles/index.ts', 'src/db/queries/articles.ts'],
      ['src/db/seed.ts', 'src/services/slug.ts'],
      ['src/services/articles.ts', 'src/db/queries/articles.ts'],
      ['src/db/queries/comments.ts', 'src/db/queries/articles.ts'],
    ]),
    [
      'src/schemas/article.ts imports src/services/slug.ts',
      'src/services/articles.ts imports src/generated/prisma/client.ts',
      'src/routes/articles/index.ts imports src/db/queries/articles.ts',
      'src/db/seed.ts imports src/services/slug.ts',
    ],
    'upward imports are reported, downward ones are not',
  )
})
