import { readFile, readdir } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import {
  DriverAdapterError,
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils'
import type { MigrationList, SchemaEngine, SchemaFilter } from '@prisma/schema-engine-wasm'

/**
 * Prisma's own schema engine, compiled to WebAssembly and shipped on npm. It applies and
 * records migrations exactly like `prisma migrate deploy`, without the native engine that the
 * Prisma CLI would have to download. Pinned to the exact build that matches `prisma`.
 */
type EngineModule = typeof import('@prisma/schema-engine-wasm')

// Node has WebAssembly; the ES/Node type libraries this project compiles against do not declare it.
type WasmExports = Record<string, unknown>
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: WasmExports } }>
}

const require = createRequire(import.meta.url)
let engineModule: Promise<EngineModule> | undefined

/**
 * The package's ESM entry imports the .wasm file directly, which Node 20 accepts only behind
 * --experimental-wasm-modules, so instantiate the bytes by hand (what that entry would do).
 */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const glue = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')
    const bindings = (await import(glue)) as EngineModule & {
      __wbg_set_wasm(exports: WasmExports): void
    }
    const bytes = await readFile(glue.replace(/\.js$/, '.wasm'))
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bindings })
    bindings.__wbg_set_wasm(instance.exports)
    ;(instance.exports.__wbindgen_start as () => void)()
    return bindings
  })()
  return engineModule
}

export const NO_FILTERS: SchemaFilter = { externalTables: [], externalEnums: [] }

export interface SchemaFile {
  path: string
  content: string
}

export async function readSchema(schemaPath: string): Promise<SchemaFile> {
  return { path: path.basename(schemaPath), content: await readFile(schemaPath, 'utf8') }
}

/** Reads `prisma/migrations` the way the Prisma CLI hands it to the engine. */
export async function readMigrations(baseDir: string): Promise<MigrationList> {
  const entries = await readdir(baseDir, { withFileTypes: true })
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
  const lockfilePath = path.join(baseDir, 'migration_lock.toml')
  return {
    baseDir,
    lockfile: { path: lockfilePath, content: await readFile(lockfilePath, 'utf8').catch(() => null) },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => {
        const file = path.join(baseDir, name, 'migration.sql')
        const content = await readFile(file, 'utf8').then(
          (value) => ({ tag: 'ok' as const, value }),
          (error: Error) => ({ tag: 'error' as const, value: error.message }),
        )
        return { path: name, migrationFile: { path: 'migration.sql', content } }
      }),
    ),
  }
}

export type EngineLog = (message: string) => void

export async function createSchemaEngine(
  schema: SchemaFile,
  factory: SqlMigrationAwareDriverAdapterFactory,
  log: EngineLog = () => {},
): Promise<SchemaEngine> {
  const { SchemaEngine } = await loadEngineModule()
  return SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    (message: string) => log(message),
    bindMigrationAwareSqlAdapterFactory(factory),
  )
}

type ScriptRunner = (script: string) => Promise<unknown>

/**
 * The driver adapters run a migration script badly: `@prisma/adapter-pg` splits it on every
 * `;` (breaking function bodies and string literals, and running each piece in its own
 * transaction), and `pglite-prisma-adapter` does not await it. Send the script whole instead:
 * one simple-protocol round trip, which Postgres runs as a single implicit transaction, so a
 * failing migration leaves nothing half-applied.
 */
export function scriptSafeFactory(
  inner: SqlMigrationAwareDriverAdapterFactory,
  run: ScriptRunner,
  shadow?: () => Promise<{ adapter: SqlDriverAdapter; run: ScriptRunner }>,
): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => withScriptRunner(await inner.connect(), run),
    connectToShadowDb: async () => {
      if (!shadow) throw new Error('This database has no shadow database for migration diffs')
      const { adapter, run: runShadow } = await shadow()
      return withScriptRunner(adapter, runShadow)
    },
  }
}

function withScriptRunner(adapter: SqlDriverAdapter, run: ScriptRunner): SqlDriverAdapter {
  const executeScript = async (script: string): Promise<void> => {
    try {
      await run(script)
    } catch (error) {
      throw asDriverError(error)
    }
  }
  return new Proxy(adapter, {
    get(target, property) {
      if (property === 'executeScript') return executeScript
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

function asDriverError(error: unknown): DriverAdapterError {
  const e = error as {
    code?: string
    severity?: string
    message?: string
    detail?: string
    column?: string
    hint?: string
  }
  return new DriverAdapterError({
    kind: 'postgres',
    code: e.code ?? 'XX000',
    severity: e.severity ?? 'ERROR',
    message: e.message ?? String(error),
    detail: e.detail,
    column: e.column,
    hint: e.hint,
  })
}
