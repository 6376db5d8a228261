/**
 * Contract coverage: every operation in openapi/openapi.json must have been exercised by the
 * test suite. Each test process that builds an app with buildTestApp records the operations
 * (and statuses) its responses belonged to in test-artifacts/contract/<pid>-<random>.json;
 * this script, run right after `tap`, merges them.
 *
 *   tsx scripts/contract-coverage.ts          check: exit 1 when an operation was never
 *                                             exercised, or when there is no data at all
 *   tsx scripts/contract-coverage.ts --reset  delete the recordings (before a run)
 *   tsx scripts/contract-coverage.ts --statuses  also list documented statuses never seen
 *
 * The committed document is the right one to read: test/contract/openapi-drift.test.ts fails
 * when it differs from what the app generates.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs'

const folder = new URL('../test-artifacts/contract/', import.meta.url)
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

if (process.argv.includes('--reset')) {
  rmSync(folder, { recursive: true, force: true })
  process.exit(0)
}

type Operation = { operationId: string; responses?: Record<string, unknown> }
const document = JSON.parse(readFileSync(new URL('../openapi/openapi.json', import.meta.url), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>
}
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((m) => ({ label: `${m.toUpperCase()} ${path}`, ...item[m]! })),
)

let files: string[] = []
try {
  files = readdirSync(folder).filter((f) => f.endsWith('.json'))
} catch {
  // no folder: no data, reported below
}
if (files.length === 0) {
  console.error(
    'contract coverage: no recordings in test-artifacts/contract/ — run the suite first (npm test); ' +
      'without them nothing proves the operations were exercised.',
  )
  process.exit(1)
}

const seen = new Map<string, Set<number>>()
for (const file of files) {
  const recording = JSON.parse(readFileSync(new URL(file, folder), 'utf8')) as { operations: Record<string, number[]> }
  for (const [id, statuses] of Object.entries(recording.operations)) {
    const set = seen.get(id) ?? new Set<number>()
    for (const status of statuses) set.add(status)
    seen.set(id, set)
  }
}

const missing = operations.filter((op) => !seen.has(op.operationId))
const documentedPairs = operations.flatMap((op) => Object.keys(op.responses ?? {}).map((status) => ({ op, status })))
const unseenPairs = documentedPairs.filter(({ op, status }) => !seen.get(op.operationId)?.has(Number(status)))

if (process.argv.includes('--statuses')) {
  for (const op of operations) {
    const unseen = unseenPairs.filter((p) => p.op === op).map((p) => p.status)
    if (unseen.length > 0) console.log(`  ${op.operationId} (${op.label}): never saw ${unseen.join(', ')}`)
  }
}

if (missing.length > 0) {
  console.error(
    `contract coverage: ${missing.length} of ${operations.length} operations were never exercised by the tests:`,
  )
  for (const op of missing) console.error(`  ${op.operationId} (${op.label})`)
  process.exit(1)
}

const success = operations.filter((op) => [...(seen.get(op.operationId) ?? [])].some((s) => s >= 200 && s < 300)).length
const statusesSeen = documentedPairs.length - unseenPairs.length
console.log(
  `contract coverage: all ${operations.length} operations exercised (${success} with a 2xx); ` +
    `${statusesSeen} of ${documentedPairs.length} documented statuses seen, from ${files.length} test processes`,
)
