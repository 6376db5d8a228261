/**
 * The first start of an embedded database, run by `migrateOnStartInChild` (migrate.ts) in its
 * own short-lived process: `node first-start.js <data dir> seed|no-seed`. It creates the
 * database (PGlite's initdb), applies the migrations and seeds it, closes it, tells its parent
 * the result over IPC and exits, so the memory all that takes goes back to the OS instead of
 * staying in the server.
 */
import { openDatabase } from './database.js'
import { migrateOnStart, type FirstStartMessage } from './migrate.js'

const send = (message: FirstStartMessage) =>
  new Promise<void>((resolve) => (process.send ? process.send(message, undefined, {}, () => resolve()) : resolve()))

const [dataDir, seed] = process.argv.slice(2)
try {
  if (!dataDir || (seed !== 'seed' && seed !== 'no-seed')) throw new Error('usage: first-start <data dir> seed|no-seed')
  const db = await openDatabase({ DATA_DIR: dataDir, DB_POOL_SIZE: 1, DB_CONNECT_TIMEOUT_MS: 5000 })
  let result
  try {
    result = await migrateOnStart(db, { seed: seed === 'seed', log: (line) => void send({ log: line }) })
  } finally {
    // Closed (and the data directory unlocked) before the parent hears, since it opens next.
    await db.close()
  }
  await send({ result })
} catch (error) {
  const e = error as { message?: string; code?: unknown }
  await send({
    error: { message: e.message ?? String(error), ...(typeof e.code === 'string' ? { code: e.code } : {}) },
  })
  process.exitCode = 1
}
// Left to end by itself, the process took another ~8 s to exit after everything was closed
// (nothing left in the event loop), and the server waits for that exit.
process.exit()
