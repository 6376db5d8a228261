import { access, mkdir, open, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { lazyClient, once, transactional } from './core.js'
import type { Database, DatabaseOptions } from './database.js'
import { scriptSafeFactory } from './schema-engine.js'

// The embedded driver: PGlite (Postgres compiled to WebAssembly) in this process, on a data
// directory only one process may hold (a pid lock file), or in memory.

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

export async function openEmbedded(dataDir: string, options: DatabaseOptions): Promise<Database> {
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
    // One process: a commit hands its notifications to the listeners before it resolves, and
    // the listening never breaks. Every notification committed before `sync` is already handled.
    async follow(channel, handlers) {
      const stop = await pglite.listen(channel, (payload) => handlers.message(payload))
      handlers.up()
      return { sync: () => Promise.resolve(), stop }
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
