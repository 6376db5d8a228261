#!/usr/bin/env node
/**
 * `npm run build` compiles the server into dist/ (tsc -p tsconfig.build.json) and records what
 * it compiled; `npm start` runs this with --if-stale first, which compiles only when that
 * record is missing or differs from the sources now (about 0.1 s when nothing changed, instead
 * of type-checking the whole project on every start).
 *
 * The record (dist/.build-stamp) is a SHA-256 over the content of every input: each file under
 * the `include` of tsconfig.build.json (src/, with the generated Prisma client, and
 * prisma/seed.ts), the tsconfig files, package.json, package-lock.json and this script. It is
 * deleted before a build and written only after tsc succeeds, from the inputs as they were
 * when the build started: a failed build never leaves a record that says current, and a file
 * changed while tsc ran makes the next start build again. A source whose .js is missing from
 * dist/ counts as stale too, whatever the record says. Plain JavaScript, no tsx: it runs
 * before every start.
 *
 *   node scripts/build.mjs              always compile (npm run build)
 *   node scripts/build.mjs --if-stale   compile only if dist/ is not current (npm start)
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const PROJECT = 'tsconfig.build.json'
const OUT_DIR = path.join(root, 'dist')
const STAMP = path.join(OUT_DIR, '.build-stamp')
/** tsc's own record for an incremental build: after an edit, only what it affects is compiled again. */
const BUILD_INFO = path.join(OUT_DIR, '.tsbuildinfo')

const ifStale = process.argv.includes('--if-stale')
const started = performance.now()
const { fingerprint, outputs } = inputs()
const missing = outputs.filter((file) => !existsSync(path.join(OUT_DIR, file)))

if (ifStale && missing.length === 0 && readStamp() === fingerprint) process.exit(0)

const reason = staleness()
rmSync(STAMP, { force: true })
// tsc's incremental record says what it emitted, not whether that is still there: an output
// gone from dist/ means a full build.
if (missing.length > 0) rmSync(BUILD_INFO, { force: true })
if (ifStale) console.error(`broadsheet: compiling (${reason})…`)
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
const args = [tsc, '-p', PROJECT, '--incremental', '--tsBuildInfoFile', path.relative(root, BUILD_INFO)]
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
if (result.status !== 0) {
  console.error(
    `broadsheet: the build failed (tsc -p ${PROJECT}${result.signal ? `: ${result.signal}` : `, exit ${result.status}`}); dist/ is not current.`,
  )
  process.exit(result.status || 1)
}
writeFileSync(STAMP, `${fingerprint}\n`)
if (ifStale) console.error(`broadsheet: compiled in ${((performance.now() - started) / 1000).toFixed(1)} s`)

function staleness() {
  if (!existsSync(OUT_DIR)) return 'no dist/ yet'
  if (missing.length > 0) return `dist/${missing[0]} is missing`
  if (readStamp() === undefined) return 'dist/ has no record of a successful build'
  return 'sources changed since the last build'
}

function readStamp() {
  try {
    return readFileSync(STAMP, 'utf8').trim()
  } catch {
    return undefined
  }
}

/**
 * The fingerprint: SHA-256 over the relative path and content of every input, in a stable
 * order; and the outputs: the .js file each TypeScript source compiles to (relative to dist/).
 */
function inputs() {
  const files = new Set(['tsconfig.json', PROJECT, 'package.json', 'package-lock.json', 'scripts/build.mjs'])
  for (const entry of includes()) {
    for (const file of walk(entry)) files.add(file)
  }
  const hash = createHash('sha256')
  for (const file of [...files].sort()) {
    hash.update(`${file}\0`)
    try {
      hash.update(readFileSync(path.join(root, file)))
    } catch {
      hash.update('(missing)')
    }
    hash.update('\0')
  }
  const outputs = [...files].filter(
    (file) => /\.[cm]?ts$/.test(file) && !/\.d\.[cm]?ts$/.test(file) && !file.startsWith('scripts/'),
  )
  return { fingerprint: hash.digest('hex'), outputs: outputs.map((file) => file.replace(/ts$/, 'js')) }
}

/**
 * The `include` list of tsconfig.build.json (plain paths, as it holds today); if it cannot be
 * read that way, everything tsc could compile from here counts, so a change is never missed.
 */
function includes() {
  try {
    const { include } = JSON.parse(readFileSync(path.join(root, PROJECT), 'utf8'))
    if (Array.isArray(include) && include.every((entry) => typeof entry === 'string' && !/[*?]/.test(entry)))
      return include
  } catch {
    // fall through
  }
  return ['src', 'prisma']
}

/** Files under `entry` (a file or a folder), as paths relative to the root with forward slashes. */
function* walk(entry) {
  const full = path.join(root, entry)
  let entries
  try {
    entries = readdirSync(full, { withFileTypes: true })
  } catch (error) {
    if (error.code === 'ENOTDIR') yield entry.split(path.sep).join('/')
    return
  }
  for (const dirent of entries) {
    const child = path.join(entry, dirent.name)
    if (dirent.isDirectory()) yield* walk(child)
    else yield child.split(path.sep).join('/')
  }
}
