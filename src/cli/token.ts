/**
 * `npm run token -- create --role editor --name frontend [--author <id or slug>]`
 * `npm run token -- list`
 * `npm run token -- revoke <id>`
 *
 * Manages API tokens directly in the database (DATABASE_URL, or the embedded one, which must
 * not be in use by a running server: then it points to the API instead). A new secret is
 * printed once and never again.
 */
import { parseArgs } from 'node:util'
import { ROLES, type Role } from '../auth.js'
import { ConfigError, loadConfig, type Config } from '../config.js'
import { EmbeddedDatabaseInUse, openDatabase } from '../db/database.js'
import { applyMigrations } from '../db/migrate.js'
import { findAuthor } from '../db/queries/authors.js'
import { isUuid } from '../db/sql.js'
import { createTokenService } from '../services/tokens.js'

const USAGE = `usage:
  npm run token -- create --role <${ROLES.join('|')}> --name <name> [--author <author id or slug>]
  npm run token -- list
  npm run token -- revoke <token id>`

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, author: { type: 'string' } },
  })
  const [command, ...rest] = positionals
  if (!command || !['create', 'list', 'revoke'].includes(command)) throw new UsageError(USAGE)

  const config = loadConfig()
  const db = await openDatabase(config).catch((error: unknown) => {
    throw inUseByServer(error, config) ?? error
  })
  try {
    await db.withMigrationLock(() => applyMigrations(db))
    const tokens = createTokenService(db)
    if (command === 'list') {
      for (const t of await tokens.list()) {
        console.log(
          `${t.id}  ${t.role.padEnd(6)}  ${t.prefix.padEnd(10)}  ${t.name}${t.authorId ? `  (author ${t.authorId})` : ''}`,
        )
      }
      return
    }
    if (command === 'revoke') {
      const id = rest[0]
      if (!id || !isUuid(id)) throw new UsageError(USAGE)
      await tokens.remove(id)
      console.log(`Revoked ${id}.`)
      return
    }
    const role = values.role as Role | undefined
    if (!role || !ROLES.includes(role) || !values.name) throw new UsageError(USAGE)
    let authorId: string | undefined
    if (values.author) {
      const author = await findAuthor(db.query, values.author)
      if (!author) throw new UsageError(`No author "${values.author}".`)
      authorId = author.id
    }
    const token = await tokens.create({ name: values.name, role, ...(authorId ? { authorId } : {}) })
    console.log(`Created ${token.role} token "${token.name}" (${token.id}).`)
    console.log(`Secret (shown once, store it now): ${token.secret}`)
    console.log(`Use it as:  Authorization: Bearer ${token.secret}`)
  } finally {
    await db.close()
  }
}

/**
 * The embedded database serves one process: while the server holds it, this CLI cannot open
 * it. Say what works instead (the API, with the admin token the first start printed, or
 * ADMIN_TOKEN) rather than only "stop the server".
 */
function inUseByServer(error: unknown, config: Config): UsageError | undefined {
  if (config.DATABASE_URL || !(error instanceof EmbeddedDatabaseInUse)) return undefined
  const host = ['0.0.0.0', '::'].includes(config.HOST) ? 'localhost' : config.HOST
  const api = `http://${host.includes(':') ? `[${host}]` : host}:${config.PORT}/api/v1/tokens`
  return new UsageError(
    [
      `the embedded database in ${error.dir} is in use by process ${error.owner} (a running server?);`,
      'only one process can open it. While the server runs, manage tokens over its API with an admin token',
      '(the first start of the server printed one; TOKEN=bs_…):',
      `  curl -X POST ${api} -H "authorization: Bearer $TOKEN" \\`,
      `    -H 'content-type: application/json' -d '{"name":"frontend","role":"editor"}'`,
      '  (GET on the same URL lists tokens; DELETE /api/v1/tokens/<id> revokes one.)',
      'No admin token? Set ADMIN_TOKEN to a secret of 24 characters or more and restart the server: that',
      'secret is then an admin token. Or stop the server and run this command again.',
    ].join('\n'),
  )
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = error as { detail?: string; message?: string; errors?: { path: string; message: string }[] }
  const message =
    error instanceof UsageError || error instanceof ConfigError
      ? e.message
      : e.errors
        ? e.errors.map((x) => `${x.path.replace('/body/', '')} ${x.message}`).join('; ')
        : (e.detail ?? e.message ?? String(error))
  console.error(`token: ${message}`)
  process.exitCode = 1
})
