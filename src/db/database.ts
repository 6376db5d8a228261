import { AsyncLocalStorage } from 'node:async_hooks'
import { access, mkdir, open, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { PrismaPg } from '@prisma/adapter-pg'
import type { SqlDriverAdapterFactory, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import pg from 'pg'
import type { Config } from '../config.js'
import { PrismaClient } from '../generated/prisma/client.js'
import { scriptSafeFactory } from './schema-engine.js'
import type { Sql } from './sql.js'

export type DatabaseKind = 'postgres' | 'embedded'

/**
 * One open database, whichever kind. The application sends every statement through `query`,
 * straight on the driver (node-postgres or PGlite); `transaction` makes the statements of a
 * multi-statement write commit together. Prisma Client is here for the seed, the CLI and the
 * tests (it is created on first use, on the same connections); migrations use Prisma's schema
 * engine through `migrationAdapter`.
 */
export interface Database {
  readonly kind: DatabaseKind
  /** Where the data lives, safe to print: the Postgres URL without password, or the data directory. */
  readonly location: string
  /**
   * Runs one parameterised statement and returns its rows. Inside `transaction(fn)` (anywhere
   * in the calls `fn` makes) it runs on that transaction's connection; elsewhere on any pooled
   * connection, committed on its own.
   */
  query<Row>(statement: Sql): Promise<Row[]>
  /**
   * Runs `fn` in one transaction: every `query` it makes, directly or through any function it
   * calls, is part of it; it commits when `fn` resolves and rolls back when it throws. Nested
   * calls join the transaction already open, so a service's write and the request's
   * Idempotency-Key record commit together.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>
  /**
   * Runs `fn` as a unit of its own: inside an open transaction, under a SAVEPOINT (if `fn`
   * throws, its statements are undone and the transaction goes on); outside one, as its own
   * transaction. For bulk requests, whose items succeed or fail one by one.
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>
  /**
   * Runs `fn` outside any transaction, for work a request starts but does not wait for (a timer
   * set while publishing, a callback a commit triggers): without this it would inherit the
   * request's transaction, which is over by the time it runs.
   */
  detached<T>(fn: () => T): T
  /** Whether the caller runs inside an open transaction. */
  inTransaction(): boolean
  /**
   * Calls `onNotify` for every NOTIFY on `channel` (outbox events wake the delivery workers).
   * On Postgres a dedicated connection listens, reconnecting with backoff when it is lost (a
   * missed notification only delays work: the workers also poll). Resolves to a stop function.
   */
  listen(channel: string, onNotify: () => void): Promise<() => Promise<void>>
  /** Prisma Client over the same driver, for the seed, the CLI and tests; never the request path. */
  readonly prisma: PrismaClient
  /** An adapter factory for Prisma's schema engine (migrations). Call `close` on it when done. */
  migrationAdapter(): MigrationAdapter
  /** Runs `fn` while holding the database-wide migration lock (other processes wait). */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

/** A driver connection a transaction runs on. */
interface Connection {
  query<Row>(text: string, values: unknown[]): Promise<Row[]>
}

/**
 * `query`, `transaction` and `savepoint` over a driver: `run` for a statement outside any
 * transaction, `withTransaction` for a connection holding one open transaction until `fn` ends
 * (commit or roll back).
 */
function transactional(
  onQuery: ((sql: string) => void) | undefined,
  run: Connection['query'],
  withTransaction: <T>(fn: (connection: Connection) => Promise<T>) => Promise<T>,
): Pick<Database, 'query' | 'transaction' | 'savepoint' | 'detached' | 'inTransaction'> {
  // Which transaction a statement belongs to follows the async calls made inside `fn`. On
  // Node 20 an enabled AsyncLocalStorage turns on promise hooks for the whole process (every
  // promise of every request pays for them, 1–5% of a public read's throughput), so it
  // is enabled only while a transaction is open: `run` enables it, the last transaction to
  // end disables it. Reads outside transactions (every public read) run without the hooks.
  const current = new AsyncLocalStorage<{ connection: Connection; open: boolean; savepoints: number }>()
  let openTransactions = 0
  const send = (tx: { connection: Connection }, text: string) => {
    onQuery?.(text)
    return tx.connection.query(text, [])
  }
  async function transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (current.getStore()?.open) return fn()
    return withTransaction(async (connection) => {
      const tx = { connection, open: true, savepoints: 0 }
      openTransactions++
      try {
        return await current.run(tx, fn)
      } finally {
        tx.open = false
        if (--openTransactions === 0) current.disable()
      }
    })
  }
  return {
    transaction,
    detached: (fn) => current.exit(fn),
    inTransaction: () => current.getStore()?.open === true,
    query<Row>(statement: Sql) {
      onQuery?.(statement.text)
      const tx = current.getStore()
      if (!tx) return run<Row>(statement.text, statement.values)
      // A statement started inside a transaction but sent after it ended (a forgotten
      // await) would otherwise run on a connection already back in the pool. (When no
      // transaction is open any more the storage is disabled, and such a statement runs on
      // its own, as any statement outside a transaction does.)
      if (!tx.open) return Promise.reject(new Error('statement sent after its transaction ended'))
      return tx.connection.query<Row>(statement.text, statement.values)
    },
    async savepoint<T>(fn: () => Promise<T>) {
      const tx = current.getStore()
      if (!tx?.open) return transaction(fn)
      const name = `broadsheet_${++tx.savepoints}`
      await send(tx, `SAVEPOINT ${name}`)
      let result: T
      try {
        result = await fn()
      } catch (error) {
        await send(tx, `ROLLBACK TO SAVEPOINT ${name}`)
        throw error
      }
      await send(tx, `RELEASE SAVEPOINT ${name}`)
      return result
    },
  }
}

export interface MigrationAdapter {
  factory: SqlMigrationAwareDriverAdapterFactory
  close(): Promise<void>
}

export interface DatabaseOptions {
  /** Called for errors on idle pooled connections, which would otherwise crash the process. */
  onPoolError?: (error: Error) => void
  /** Called with every SQL statement `query` sends (tests count them); off when unset. */
  onQuery?: (sql: string) => void
}

/** Prisma Client on first use only: the request path never needs it, and it costs memory. */
function lazyClient(adapter: () => SqlDriverAdapterFactory): { get(): PrismaClient; disconnect(): Promise<void> } {
  let client: PrismaClient | undefined
  return {
    get: () => (client ??= new PrismaClient({ adapter: adapter() })),
    disconnect: async () => {
      await client?.$disconnect()
    },
  }
}

/** Same key in every Broadsheet process: `pg_advisory_lock` serialises start-up migrations. */
const MIGRATION_LOCK_KEY = 72_707_370

type DatabaseConfig = Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DB_POOL_SIZE' | 'DB_CONNECT_TIMEOUT_MS'> &
  Partial<Pick<Config, 'DB_STATEMENT_TIMEOUT_MS'>>

export async function openDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Promise<Database> {
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
  const prisma = lazyClient(() => new PrismaPg(pool, { onPoolError }))
  const statements = transactional(
    options.onQuery,
    async <Row>(text: string, values: unknown[]) => (await pool.query(text, values)).rows as Row[],
    async (fn) => {
      const client = await pool.connect()
      let broken: Error | undefined
      const send = async (text: string) => {
        options.onQuery?.(text)
        await client.query(text)
      }
      try {
        await send('BEGIN')
        const result = await fn({
          query: async <Row>(text: string, values: unknown[]) => (await client.query(text, values)).rows as Row[],
        })
        await send('COMMIT')
        return result
      } catch (error) {
        // A failed ROLLBACK means the connection is gone: it must not go back to the pool.
        await send('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError))
        throw error
      } finally {
        client.release(broken)
      }
    },
  )
  return {
    kind: 'postgres',
    location: redactUrl(url),
    listen: (channel, onNotify) => listenOnPostgres(url, config, channel, onNotify, onPoolError),
    get prisma() {
      return prisma.get()
    },
    ...statements,
    migrationAdapter() {
      // Migrations may legitimately run long: no statement timeout for them.
      const migrationPool = new pg.Pool({
        ...poolConfig(url, { ...config, DB_STATEMENT_TIMEOUT_MS: undefined }),
        max: 2,
      })
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
      await prisma.disconnect()
      await pool.end()
    }),
  }
}

/** LISTEN on a connection of its own (a pooled one would be handed to queries), kept alive. */
async function listenOnPostgres(
  url: string,
  config: DatabaseConfig,
  channel: string,
  onNotify: () => void,
  onError: (error: Error) => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | undefined
  let stopped = false
  let retry: NodeJS.Timeout | undefined
  let delay = 500
  const connect = async () => {
    if (stopped) return
    const next = new pg.Client({ ...poolConfig(url, config), statement_timeout: undefined, query_timeout: undefined })
    let lost = false
    const again = (error?: Error) => {
      if (lost) return // 'error' and 'end' both come: reconnect once
      lost = true
      if (error) onError(error)
      next.removeAllListeners()
      next.end().catch(() => {})
      if (client === next) client = undefined
      if (!stopped) retry = setTimeout(() => void connect(), (delay = Math.min(delay * 2, 30_000))).unref()
    }
    next.on('error', again)
    next.on('end', () => again())
    next.on('notification', onNotify)
    try {
      await next.connect()
      await next.query(`LISTEN "${channel.replaceAll('"', '')}"`)
      if (stopped) {
        // Stopped while connecting: this connection is nobody's to close but ours.
        next.removeAllListeners()
        await next.end().catch(() => {})
        return
      }
      client = next
      delay = 500
      // Whatever was notified while not listening is found by the workers' next poll.
      onNotify()
    } catch (error) {
      again(error as Error)
    }
  }
  await connect()
  return async () => {
    stopped = true
    clearTimeout(retry)
    const last = client
    client = undefined
    last?.removeAllListeners()
    await last?.end().catch(() => {})
  }
}

/**
 * PGlite's Postgres allocates its shared memory inside the WebAssembly heap and writes all of
 * it at start-up, so `shared_buffers` is resident for the process's whole life: initdb's
 * 128 MB default made up about 110 MB of an idle server's RSS. 16 MB still holds the sample
 * newsroom several times over; pages beyond it are re-read from the files (the OS caches them).
 */
const EMBEDDED_SHARED_BUFFERS = '16MB'

const inMemory = (dataDir: string) => dataDir.startsWith('memory://')
const pgdataDir = (location: string) => path.join(location, 'pgdata')

/**
 * True when `dataDir` is a directory (not `memory://`) that holds no embedded database yet,
 * so opening it would create one (initdb). Start-up does that first start in a child process.
 */
export async function isNewDataDir(dataDir: string): Promise<boolean> {
  if (inMemory(dataDir)) return false
  return access(path.join(pgdataDir(path.resolve(dataDir)), 'PG_VERSION')).then(
    () => false,
    () => true,
  )
}

async function openEmbedded(dataDir: string, options: DatabaseOptions): Promise<Database> {
  const location = inMemory(dataDir) ? dataDir : path.resolve(dataDir)
  const release = inMemory(dataDir) ? async () => {} : await lockDataDir(location)
  // Loaded only in embedded mode: a Postgres deployment never pays for PGlite's memory.
  const { PGlite } = await import('@electric-sql/pglite')
  const { PrismaPGlite } = await import('pglite-prisma-adapter')
  let pglite: PGlite
  try {
    pglite = await PGlite.create(inMemory(dataDir) ? dataDir : pgdataDir(location), {
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`],
    })
  } catch (error) {
    await release()
    throw error
  }
  const prisma = lazyClient(() => new PrismaPGlite(pglite))
  const statements = transactional(
    options.onQuery,
    async <Row>(text: string, values: unknown[]) => (await pglite.query<Row>(text, values)).rows,
    // PGlite's own transaction: BEGIN/COMMIT on its single connection, other queries wait.
    (fn) =>
      pglite.transaction((tx) =>
        fn({ query: async <Row>(text: string, values: unknown[]) => (await tx.query<Row>(text, values)).rows }),
      ),
  )
  return {
    kind: 'embedded',
    location,
    async listen(channel, onNotify) {
      const stop = await pglite.listen(channel, onNotify)
      return stop
    },
    get prisma() {
      return prisma.get()
    },
    ...statements,
    migrationAdapter() {
      return {
        factory: scriptSafeFactory(new PrismaPGlite(pglite), (script) => pglite.exec(script)),
        close: async () => {},
      }
    },
    // PGlite is one process, one connection: there is nobody to race with.
    withMigrationLock: (fn) => fn(),
    close: once(async () => {
      await prisma.disconnect()
      await pglite.close()
      await release()
    }),
  }
}

/**
 * The embedded database is held by another live process (a running server, most likely). Its
 * message suits a second server; each CLI catches this class and says what to do instead, in
 * one sentence and without a stack trace.
 */
export class EmbeddedDatabaseInUse extends Error {
  override name = 'EmbeddedDatabaseInUse'
  constructor(
    /** The data directory, absolute. */
    readonly dir: string,
    /** The pid in its lock file. */
    readonly owner: number,
  ) {
    super(
      `The embedded database in ${dir} is in use by process ${owner}. ` +
        'Stop it, or set DATABASE_URL to share a Postgres database between processes.',
    )
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
        throw new EmbeddedDatabaseInUse(path.resolve(dir), owner)
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
