/**
 * `npm run token -- create --role editor --name frontend [--author <id or slug>]`
 * `npm run token -- list`
 * `npm run token -- revoke <id>`
 *
 * Manages API tokens directly in the database (DATABASE_URL, or the embedded one, which must
 * not be in use by a running server). A new secret is printed once and never again.
 */
import { parseArgs } from 'node:util'
import { ROLES, type Role } from '../auth.js'
import { ConfigError, loadConfig } from '../config.js'
import { openDatabase } from '../db/database.js'
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

  const db = await openDatabase(loadConfig())
  try {
    await db.withMigrationLock(() => applyMigrations(db))
    const tokens = createTokenService(db)
    if (command === 'list') {
      for (const t of await tokens.list()) {
        console.log(`${t.id}  ${t.role.padEnd(6)}  ${t.prefix.padEnd(10)}  ${t.name}${t.authorId ? `  (author ${t.authorId})` : ''}`)
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
