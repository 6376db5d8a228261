import { AsyncLocalStorage } from 'node:async_hooks'
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils'
import { PrismaClient } from '../generated/prisma/client.js'
import type { Database } from './database.js'
import type { Sql } from './sql.js'

// What every driver's Database is built from: its transactions (one AsyncLocalStorage carries
// the open one through the calls a write makes), Prisma Client on first use, closing once.

/** A driver connection a transaction runs on. */
export interface Connection {
  query<Row>(text: string, values: unknown[]): Promise<Row[]>
}

/**
 * `query`, `transaction` and `savepoint` over a driver: `run` for a statement outside any
 * transaction, `withTransaction` for a connection holding one open transaction until `fn` ends
 * (commit or roll back).
 */
export function transactional(
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

/** Prisma Client on first use only: the request path never needs it, and it costs memory. */
export function lazyClient(adapter: () => SqlDriverAdapterFactory): {
  get(): PrismaClient
  disconnect(): Promise<void>
} {
  let client: PrismaClient | undefined
  return {
    get: () => (client ??= new PrismaClient({ adapter: adapter() })),
    disconnect: async () => {
      await client?.$disconnect()
    },
  }
}

/** Closing twice (say, a test and then the app's onClose hook) closes once. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined
  return () => (closing ??= fn())
}
