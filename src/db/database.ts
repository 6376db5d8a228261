import { mkdir, open, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import type { SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import pg from 'pg'
import type { Config } from '../config.js'
import { Prisma, PrismaClient } from '../generated/prisma/client.js'
import { scriptSafeFactory } from './schema-engine.js'

export type DatabaseKind = 'postgres' | 'embedded'

/**
 * One open database, whichever kind. Everything above this file (migrations, seed, services)
 * goes through the same PrismaClient and the same migration adapter, so both modes share
 * every code path except the driver.
 */
export interface Database {
  readonly kind: DatabaseKind
  /** Where the data lives, safe to print: the Postgres URL without password, or the data directory. */
  readonly location: string
  readonly prisma: PrismaClient
  /**
   * Runs one hand-written statement straight on the driver (node-postgres or PGlite) and
   * returns its rows. For the hot paths only (single reads, lists, comment posts, conditional
   * updates): there Prisma's runtime costs more CPU than the query itself (bench/README.md).
   * PGlite queries wait for any open Prisma transaction, as Prisma's own do.
   */
  query<Row>(statement: Prisma.Sql): Promise<Row[]>
  /** An adapter factory for Prisma's schema engine (migrations). Call `close` on it when done. */
  migrationAdapter(): MigrationAdapter
  /** Runs `fn` while holding the database-wide migration lock (other processes wait). */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface MigrationAdapter {
  factory: SqlMigrationAwareDriverAdapterFactory
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** Called for errors on idle pooled connections, which would otherwise crash the process. */
  onPoolError?: (error: Error) => void
  /** Called with every SQL statement the app's client sends (tests count them); off when unset. */
  onQuery?: (sql: string) => void
}

function createClient(adapter: SqlDriverAdapterFactory, options: DatabaseOptions): PrismaClient {
  if (!options.onQuery) return new PrismaClient({ adapter })
  const onQuery = options.onQuery
  const client = new PrismaClient({ adapter, log: [{ emit: 'event', level: 'query' }] })
  client.$on('query', (event) => onQuery(event.query))
  return client
}

/** Same key in every Broadsheet process: `pg_advisory_lock` serialises start-up migrations. */
const MIGRATION_LOCK_KEY = 72_707_370

type DatabaseConfig = Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DB_POOL_SIZE' | 'DB_CONNECT_TIMEOUT_MS'> &
  Partial<Pick<Config, 'DB_STATEMENT_TIMEOUT_MS'>>

export async function openDatabase(
  config: DatabaseConfig,
  options: DatabaseOptions = {},
): Promise<Database> {
  return config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL, config, options)
    : openEmbedded(config.DATA_DIR, options)
}

function poolConfig(url: string, config: DatabaseConfig): pg.PoolConfig {
  return {
    connectionString: url,
    max: config.DB_POOL_SIZE,
    connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: 30_000,
    application_name: 'broadsheet',
    // Bounded everywhere: a query stuck behind a lock, or a dead server that keeps the
    // socket open, fails after this instead of holding the request (and a connection).
    ...(config.DB_STATEMENT_TIMEOUT_MS
      ? { statement_timeout: config.DB_STATEMENT_TIMEOUT_MS, query_timeout: config.DB_STATEMENT_TIMEOUT_MS + 2000 }
      : {}),
    idle_in_transaction_session_timeout: 60_000,
    keepAlive: true,
  }
}

async function openPostgres(url: string, config: DatabaseConfig, options: DatabaseOptions): Promise<Database> {
  const pool = new pg.Pool(poolConfig(url, config))
  const onPoolError = options.onPoolError ?? (() => {})
  pool.on('error', onPoolError)
  // The pool listens for errors on idle connections only. One that dies while checked out
  // but between queries (Postgres restarting, pg_terminate_backend) would emit an 'error'
  // nobody hears, and crash the process. Every connection gets a listener for its lifetime;
  // the dead connection's next query then fails (a 503) and the pool discards it.
  pool.on('connect', (client) => client.on('error', onPoolError))
  // Fail now, with the driver's own message, rather than on the first request.
  try {
    await pool.query('SELECT 1')
  } catch (error) {
    await pool.end().catch(() => {})
    throw error
  }
  const prisma = createClient(new PrismaPg(pool, { onPoolError }), options)
  return {
    kind: 'postgres',
    location: redactUrl(url),
    prisma,
    async query<Row>(statement: Prisma.Sql) {
      options.onQuery?.(statement.text)
      return (await pool.query(statement.text, statement.values)).rows as Row[]
    },
    migrationAdapter() {
      // Migrations may legitimately run long: no statement timeout for them.
      const migrationPool = new pg.Pool({ ...poolConfig(url, { ...config, DB_STATEMENT_TIMEOUT_MS: undefined }), max: 2 })
      migrationPool.on('error', onPoolError)
      migrationPool.on('connect', (client) => client.on('error', onPoolError))
      return {
        factory: scriptSafeFactory(new PrismaPg(migrationPool), (script) => migrationPool.query(script)),
        close: () => migrationPool.end(),
      }
    },
    async withMigrationLock(fn) {
      const client = await pool.connect()
      try {
        await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY])
        try {
          return await fn()
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
        }
      } finally {
        client.release()
      }
    },
    close: once(async () => {
      await prisma.$disconnect()
      await pool.end()
    }),
  }
}

async function openEmbedded(dataDir: string, options: DatabaseOptions): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://')
  const location = inMemory ? dataDir : path.resolve(dataDir)
  const release = inMemory ? async () => {} : await lockDataDir(location)
  // Loaded only in embedded mode: a Postgres deployment never pays for PGlite's memory.
  const { PGlite } = await import('@electric-sql/pglite')
  const { PrismaPGlite } = await import('pglite-prisma-adapter')
  let pglite: PGlite
  try {
    pglite = await PGlite.create(inMemory ? dataDir : path.join(location, 'pgdata'))
  } catch (error) {
    await release()
    throw error
  }
  const prisma = createClient(new PrismaPGlite(pglite), options)
  return {
    kind: 'embedded',
    location,
    prisma,
    async query<Row>(statement: Prisma.Sql) {
      options.onQuery?.(statement.text)
      return (await pglite.query<Row>(statement.text, statement.values)).rows
    },
    migrationAdapter() {
      return {
        factory: scriptSafeFactory(new PrismaPGlite(pglite), (script) => pglite.exec(script)),
        close: async () => {},
      }
    },
    // PGlite is one process, one connection: there is nobody to race with.
    withMigrationLock: (fn) => fn(),
    close: once(async () => {
      await prisma.$disconnect()
      await pglite.close()
      await release()
    }),
  }
}

/**
 * PGlite cannot be shared between processes, and two of them on one directory corrupt it.
 * A lock file holding the owner's pid turns that into a clear error; a stale file (its
 * process gone) is taken over.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, 'broadsheet.pid')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx')
      await handle.writeFile(String(process.pid))
      await handle.close()
      return () => rm(file, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number.parseInt(await readFile(file, 'utf8').catch(() => ''), 10)
      if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new Error(
          `The embedded database in ${dir} is in use by process ${owner}. ` +
            'Stop it, or set DATABASE_URL to share a Postgres database between processes.',
        )
      }
      await rm(file, { force: true })
    }
  }
  throw new Error(`Could not lock the embedded database in ${dir}`)
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Closing twice (say, a test and then the app's onClose hook) closes once. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined
  return () => (closing ??= fn())
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres://(unparseable url)'
  }
}
