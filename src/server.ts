import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { ConfigError, corsOrigins, loadConfig } from './config.js'

/**
 * Loads config, builds the app, listens, and shuts down gracefully on SIGTERM/SIGINT:
 * stop accepting, let in-flight requests finish (bounded), close the database, exit 0.
 */
async function main(): Promise<void> {
  const config = loadConfig()
  const app = await buildApp(config)

  // The app closes connections still open after SHUTDOWN_GRACE_MS itself; the process is forced
  // out only if closing takes longer still (the database, say).
  closeWithGrace({ delay: config.SHUTDOWN_GRACE_MS + 5000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an uncaught error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })

  const address = await app.listen({ port: config.PORT, host: config.HOST })
  // A new database has no token, and on the embedded one the token CLI cannot run beside the
  // server: its first start makes one admin token, shown once in the human summary below.
  // Only once listening (a start that fails to listen must not use up the one showing), and
  // not when nothing is printed (LOG_LEVEL=silent): a token nobody saw would only be a risk.
  const firstToken = config.LOG_LEVEL === 'silent' ? null : await app.services.tokens.firstStartAdmin()
  const base = address.replace('://0.0.0.0', '://localhost').replace('://[::]', '://localhost')
  const data = app.db.kind === 'embedded' ? `embedded PGlite in ${app.db.location}` : `Postgres at ${app.db.location}`
  if (firstToken) {
    // The JSON logs (stdout) are kept and shipped; they say that it exists, never its secret.
    const { id, name, prefix } = firstToken
    app.log.warn({ token: { id, name, prefix } }, 'first start: made an admin token, its secret shown once on stderr')
  }
  app.log.info({ api: `${base}/api/v1`, docs: `${base}/docs`, data }, 'Broadsheet is ready')
  // A human summary beside the JSON logs (which go to stdout).
  if (config.LOG_LEVEL !== 'silent')
    process.stderr.write(banner(base, data, firstToken?.secret, corsOrigins(config).localDefault, app.services.site))
}

function banner(
  base: string,
  data: string,
  secret: string | undefined,
  localCors: boolean,
  site: { url: string; defaulted: boolean },
): string {
  const lines = [
    '',
    'Broadsheet is ready',
    `  API:  ${base}/api/v1/articles`,
    `  Docs: ${base}/docs`,
    `  Data: ${data}`,
  ]
  lines.push(`  Feeds: ${base}/feeds/articles.rss (.atom, .json); sitemaps: ${base}/sitemap.xml`)
  if (site.defaulted)
    lines.push(
      `  Links in feeds, sitemaps and structured data point at ${site.url} until PUBLIC_SITE_URL names your frontend`,
    )
  if (localCors)
    lines.push(
      '  CORS: local frontends (http://localhost:<port>, http://127.0.0.1:<port>) may call the API; CORS_ORIGINS for others',
    )
  lines.push('')
  if (secret) {
    lines.push(
      '  First start: an admin token was made. It is shown only this once, so store it now:',
      `    ${secret}`,
      '  Send it as "Authorization: Bearer <token>" (or paste it into Authorize in /docs).',
      `  More tokens: POST ${base}/api/v1/tokens with this one; see "Tokens and roles" in README.md.`,
      '',
    )
  }
  return lines.join('\n') + '\n'
}

main().catch((error: unknown) => {
  process.stderr.write(`broadsheet: ${startupMessage(error)}\n`)
  process.exit(1)
})

/** One clear line for the failures people actually hit at start-up, no stack trace. */
function startupMessage(error: unknown): string {
  if (error instanceof ConfigError) return error.message
  const e = error as { code?: string; message?: string; address?: string; port?: number }
  switch (e.code) {
    case 'EADDRINUSE':
      return `cannot listen: ${e.address ?? ''}:${e.port ?? ''} is already in use (set PORT to another port)`
    case 'EACCES':
      return `cannot listen: permission denied for port ${e.port ?? ''} (set PORT above 1023)`
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
      return `cannot reach the database at DATABASE_URL (${e.code}): is Postgres running and the URL right?`
    case '28P01':
    case '28000':
      return `the database refused the credentials in DATABASE_URL: ${e.message ?? ''}`
    case '3D000':
      return `the database named in DATABASE_URL does not exist: ${e.message ?? ''}`
    default:
      if (/timeout/i.test(e.message ?? '')) {
        return `cannot reach the database at DATABASE_URL (timed out): is Postgres running and the URL right?`
      }
      return `failed to start: ${e.message ?? String(error)}`
  }
}
