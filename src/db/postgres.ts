import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { lazyClient, once, transactional } from './core.js'
import type { Database, DatabaseConfig, DatabaseOptions, FollowHandlers, Following } from './database.js'
import { scriptSafeFactory } from './schema-engine.js'

// The `pg` driver: a pool for statements and transactions, a connection of its own for LISTEN,
// a separate small pool for migrations, an advisory lock between processes that migrate.

/** Same key in every Broadsheet process: `pg_advisory_lock` serialises start-up migrations. */
const MIGRATION_LOCK_KEY = 72_707_370

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

export async function openPostgres(url: string, config: DatabaseConfig, options: DatabaseOptions): Promise<Database> {
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
    // Delivery workers only need waking: a missed notification only delays work (they poll).
    listen: async (channel, onNotify) => {
      const following = await followOnPostgres(
        url,
        config,
        channel,
        { message: onNotify, up: onNotify, down: () => {} },
        onPoolError,
      )
      return () => following.stop()
    },
    follow: (channel, handlers) => followOnPostgres(url, config, channel, handlers, onPoolError),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
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

/**
 * LISTEN on a connection of its own (a pooled one would be handed to queries), kept alive:
 * lost, it says so (`down`) and reconnects with backoff, then says `up` (whatever was notified
 * meanwhile was missed). `sync` is a round trip on this connection: Postgres hands a session
 * its pending notifications before it answers the session's next statement (postgres.c sends
 * them before ReadyForQuery), so once `sync` resolves every notification committed before it
 * was called has been handed to `message`. Calls made while one round trip is on its way wait
 * for the next one, which starts when it ends: one round trip serves every caller meanwhile.
 */
async function followOnPostgres(
  url: string,
  config: DatabaseConfig,
  channel: string,
  handlers: FollowHandlers,
  onError: (error: Error) => void,
): Promise<Following> {
  let client: pg.Client | undefined
  let stopped = false
  let retry: NodeJS.Timeout | undefined
  let delay = 500
  const connect = async () => {
    if (stopped) return
    const next = new pg.Client({
      ...poolConfig(url, config),
      statement_timeout: undefined,
      query_timeout: undefined,
      // Named, so an operator (and the tests) can tell it from the pool's connections.
      application_name: `broadsheet listen ${channel}`,
    })
    let lost = false
    const again = (error?: Error) => {
      if (lost) return // 'error' and 'end' both come: reconnect once
      lost = true
      if (error) onError(error)
      next.removeAllListeners()
      next.end().catch(() => {})
      if (client === next) {
        client = undefined
        handlers.down(error)
      }
      if (!stopped) retry = setTimeout(() => void connect(), (delay = Math.min(delay * 2, 30_000))).unref()
    }
    next.on('error', again)
    next.on('end', () => again())
    next.on('notification', (notification) => handlers.message(notification.payload ?? ''))
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
      handlers.up()
    } catch (error) {
      again(error as Error)
    }
  }

  let inFlight: Promise<void> | undefined
  let queued: Promise<void> | undefined
  const sync = (): Promise<void> => {
    const listening = client
    if (!listening) return Promise.reject(new Error(`not listening on ${channel}`))
    if (inFlight === undefined) {
      const trip: Promise<void> = listening
        .query('SELECT 1')
        .then(() => undefined)
        .finally(() => {
          if (inFlight === trip) inFlight = undefined
        })
      inFlight = trip
      return trip
    }
    // The round trip on its way was sent before this call: its answer proves nothing about
    // commits since. The next one starts when it ends, for every caller until then.
    queued ??= inFlight
      .catch(() => {})
      .then(() => {
        queued = undefined
        return sync()
      })
    return queued
  }

  await connect()
  return {
    sync,
    async stop() {
      stopped = true
      clearTimeout(retry)
      const last = client
      client = undefined
      last?.removeAllListeners()
      await last?.end().catch(() => {})
    },
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'postgres://(unparseable url)'
  }
}
