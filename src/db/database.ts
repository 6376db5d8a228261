import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import type { Config } from '../config.js'
import type { PrismaClient } from '../generated/prisma/client.js'
import { openEmbedded } from './embedded.js'
import { openPostgres } from './postgres.js'
import type { Sql } from './sql.js'

// What a Database is, and which driver opens one. The transaction core both drivers share is in
// db/core.ts; the `pg` driver in db/postgres.ts; the PGlite driver in db/embedded.ts.
export { EmbeddedDatabaseInUse, isNewDataDir } from './embedded.js'

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
  /**
   * Follows `channel` with its payloads, and says when the following is lost and back (the
   * read cache must forget what it holds while it cannot hear changes). `sync()` resolves once
   * every notification committed before it was called has been handed to `message`: on
   * Postgres a round trip on the listening connection, started after the call (Postgres sends
   * a session its pending notifications before the answer to its next statement); on PGlite at
   * once (one process, notified inside the commit). It rejects while not listening.
   */
  follow(channel: string, handlers: FollowHandlers): Promise<Following>
  /** Connections of the pool, for metrics (the embedded database has none). */
  poolStats?(): { total: number; idle: number; waiting: number }
  /** Prisma Client over the same driver, for the seed, the CLI and tests; never the request path. */
  readonly prisma: PrismaClient
  /** An adapter factory for Prisma's schema engine (migrations). Call `close` on it when done. */
  migrationAdapter(): MigrationAdapter
  /** Runs `fn` while holding the database-wide migration lock (other processes wait). */
  withMigrationLock<T>(fn: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

export interface FollowHandlers {
  /** A notification's payload, in commit order. */
  message(payload: string): void
  /** Listening (again): notifications sent meanwhile were missed. */
  up(): void
  /** The listening connection is lost; `up` follows when it is back. */
  down(error?: Error): void
}

export interface Following {
  sync(): Promise<void>
  stop(): Promise<void>
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

export type DatabaseConfig = Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'DB_POOL_SIZE' | 'DB_CONNECT_TIMEOUT_MS'> &
  Partial<Pick<Config, 'DB_STATEMENT_TIMEOUT_MS'>>

export async function openDatabase(config: DatabaseConfig, options: DatabaseOptions = {}): Promise<Database> {
  return config.DATABASE_URL
    ? openPostgres(config.DATABASE_URL, config, options)
    : openEmbedded(config.DATA_DIR, options)
}
