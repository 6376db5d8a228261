import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'

/**
 * Every setting Broadsheet reads from the environment, in one schema. The README's
 * configuration table documents these; `Config` is derived from it, never declared twice.
 */
export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'TCP port to listen on.' }),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Interface to bind; 0.0.0.0 in containers.' }),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'Postgres connection string. Unset: the embedded PGlite database under DATA_DIR.',
    }),
  ),
  DATA_DIR: Type.String({ minLength: 1, default: './.data', description: 'Where the embedded database lives.' }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  ADMIN_TOKEN: Type.Optional(
    Type.String({ minLength: 24, description: 'Bootstrap admin bearer token (stored hashed at start-up).' }),
  ),
  DB_POOL_SIZE: Type.Integer({ minimum: 1, maximum: 200, default: 10, description: 'Postgres pool size.' }),
  DB_CONNECT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: 5000,
    description: 'How long to wait for a Postgres connection before failing.',
  }),
  DB_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 10_000,
    description: "Postgres statement_timeout for the app's queries: a stuck query fails (503) instead of hanging.",
  }),
  DB_STARTUP_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    maximum: 3_600_000,
    default: 30_000,
    description: 'How long start-up keeps retrying (with backoff) while Postgres is unreachable; 0: no retry.',
  }),
  REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    maximum: 600_000,
    default: 30_000,
    description: 'A request not received in full by then is answered 408.',
  }),
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 50 * 1024 * 1024,
    default: 1024 * 1024,
    description: 'Largest accepted request body; larger is 413.',
  }),
  MAX_PARAM_LENGTH: Type.Integer({
    minimum: 36,
    maximum: 2000,
    default: 200,
    description: 'Longest path parameter (id or slug); longer is 404.',
  }),
  SHUTDOWN_GRACE_MS: Type.Integer({
    minimum: 0,
    maximum: 600_000,
    default: 10_000,
    description:
      'On SIGTERM/SIGINT, how long in-flight requests may take to finish; connections still open then are closed.',
  }),
  PUBLIC_URL: Type.Optional(
    Type.String({
      maxLength: 2000,
      pattern: '^https?://[^/?#\\s]+(/[^?#\\s]*[^/?#\\s])?$',
      description:
        'The address clients reach the API at (https://cms.example.com), without a trailing slash: the OpenAPI ' +
        "document's server. Unset: http://localhost:<the port it listens on>.",
    }),
  ),
  TRUST_PROXY: Type.String({
    default: 'false',
    pattern: '^(false|true|[0-9]{1,2}|[0-9a-fA-F.:/]+(,[0-9a-fA-F.:/]+)*)$',
    description:
      'Whose X-Forwarded-For to believe for the client address (rate limits): false (nobody; the default), ' +
      'a hop count, or a comma list of proxy addresses/CIDRs. true trusts everyone: only behind a proxy that overwrites the header.',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://',
      description: 'Shares rate limits between processes. Unset: in memory, per process.',
    }),
  ),
  REDIS_KEY_PREFIX: Type.String({
    minLength: 1,
    maxLength: 100,
    default: 'broadsheet:ratelimit:',
    description: 'Prefix of the rate-limit keys in Redis.',
  }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 600,
    description: 'Requests per client address per minute, all routes together (admin tokens are exempt).',
  }),
  AUTH_FAILURES_PER_MINUTE: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 30,
    description: 'Requests with a bad bearer token per client address per minute before they are 429 (token guessing).',
  }),
  COMMENT_RATE_LIMIT: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 10,
    description: 'Comments per client address per 10 minutes, across all articles (editors and admins exempt).',
  }),
  COMMENT_RATE_LIMIT_PER_ARTICLE: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 3,
    description: 'Comments per client address per article per 10 minutes (editors and admins exempt).',
  }),
  MEDIA_UPLOADS_PER_HOUR: Type.Integer({
    minimum: 1,
    maximum: 10_000_000,
    default: 200,
    description: 'Image uploads per token per hour (admin tokens exempt): each one is decoded and re-encoded.',
  }),
  CORS_ORIGINS: Type.Optional(
    Type.String({
      maxLength: 4000,
      pattern: '^(none|\\*|[^,\\s]+(,\\s*[^,\\s]+)*)$',
      description:
        'Comma list of origins allowed to call the API from a browser (https://example.com), * for any, or none. ' +
        'Unset: local frontends (http://localhost:<any port>, http://127.0.0.1:<any port>) on the embedded database, none with DATABASE_URL.',
    }),
  ),
  REVISIONS_KEEP: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description:
        'Revisions kept per article (the newest ones); older ones are deleted as new ones are written. Unset: all are kept.',
    }),
  ),
  DIFF_MAX_LINES: Type.Integer({
    minimum: 10,
    maximum: 100_000,
    default: 2000,
    description:
      'Most lines a revision diff lists for the body; past it, changes with 3 lines of context, cut at this many (`truncated`). ' +
      'The `summary` always has the true totals.',
  }),
  DIFF_CONCURRENT_PER_TOKEN: Type.Integer({
    minimum: 1,
    maximum: 1000,
    default: 2,
    description: 'Revision diffs one token may have in flight in each process; more at once are 429.',
  }),
  TRASH_RETENTION_DAYS: Type.Number({
    minimum: 0,
    maximum: 36_500,
    default: 30,
    description:
      'Days an article stays in the trash before the server destroys it (fractions allowed; 0: at the next sweep).',
  }),
  TRASH_PURGE_INTERVAL_SECONDS: Type.Integer({
    minimum: 1,
    maximum: 86_400,
    default: 60,
    description: 'How often each server process looks for trash past its retention (and expired preview tokens).',
  }),
  PREVIEW_URL: Type.Optional(
    Type.String({
      maxLength: 2000,
      pattern: '^https?://[^\\s]*\\{token\\}[^\\s]*$',
      description:
        "Your frontend's draft-mode address, with {token} (and optionally {slug}, {id}) to fill in, e.g. " +
        'https://site.example/api/draft?token={token}&slug={slug}. Preview responses then carry the ready link as `url`.',
    }),
  ),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: Type.String({
    default: '',
    maxLength: 4000,
    description:
      'Comma list of CIDRs (or addresses) that webhook URLs may resolve to although private, loopback or link-local ' +
      '(e.g. 127.0.0.1/32 for local development). Empty: only public addresses.',
  }),
  WEBHOOK_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    maximum: 120_000,
    default: 10_000,
    description: 'One delivery attempt, connect to last byte.',
  }),
  WEBHOOK_MAX_RESPONSE_BYTES: Type.Integer({
    minimum: 0,
    maximum: 10 * 1024 * 1024,
    default: 64 * 1024,
    description: "The most of a receiver's response read per attempt (the first 1 KB is kept in the delivery log).",
  }),
  WEBHOOK_RETRY_BASE_MS: Type.Integer({
    minimum: 10,
    maximum: 3_600_000,
    default: 10_000,
    description: 'First retry delay; doubled per attempt, with jitter.',
  }),
  WEBHOOK_RETRY_MAX_DELAY_MS: Type.Integer({
    minimum: 10,
    maximum: 86_400_000,
    default: 3_600_000,
    description: 'The longest delay between two attempts.',
  }),
  WEBHOOK_RETRY_HOURS: Type.Number({
    minimum: 0,
    maximum: 24 * 30,
    default: 24,
    description: 'How long a delivery is retried before it is marked failed (fractions allowed).',
  }),
  WEBHOOK_DISABLE_AFTER_FAILURES: Type.Integer({
    minimum: 1,
    maximum: 100_000,
    default: 30,
    description:
      'Failed attempts in a row after which a subscription is disabled (its deliveries wait until it is enabled).',
  }),
  WEBHOOK_SECRET_OVERLAP_HOURS: Type.Number({
    minimum: 0,
    maximum: 24 * 30,
    default: 24,
    description: 'After a secret rotation, how long deliveries carry a signature with the old secret too.',
  }),
  SECRETS_KEY: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 4000,
      description:
        'Encrypts webhook signing secrets in the database (AES-256-GCM): 32 random bytes as base64 (openssl rand -base64 32) ' +
        'or 64 hex digits. A comma list rotates keys: the first encrypts, every one decrypts, and stored secrets are ' +
        're-encrypted under the first at start. Unset: the embedded database keeps a generated key in DATA_DIR/secrets.key; ' +
        'with DATABASE_URL secrets stay in plaintext (warned at start).',
    }),
  ),
  WEBHOOK_CONCURRENCY: Type.Integer({
    minimum: 1,
    maximum: 100,
    default: 8,
    description: 'Deliveries each process sends at once.',
  }),
  DELIVERY_POLL_MS: Type.Integer({
    minimum: 50,
    maximum: 60_000,
    default: 1000,
    description: 'How often each process looks for due deliveries (retries); new events wake it at once.',
  }),
  OUTBOX_RETENTION_DAYS: Type.Number({
    minimum: 0.0001,
    maximum: 3650,
    default: 7,
    description: 'Days delivered events and their delivery log are kept.',
  }),
  CDN_PURGE: Type.String({
    default: '',
    maxLength: 4000,
    pattern: '^((varnish|fastly|cloudflare):[^,\\s]+(,(varnish|fastly|cloudflare):[^,\\s]+)*)?$',
    description:
      'Where purges go: a comma list of varnish:<url of Varnish> (xkey), fastly:<service id> (FASTLY_API_TOKEN), ' +
      'cloudflare:<zone id> (CLOUDFLARE_API_TOKEN). Empty: no purges.',
  }),
  FASTLY_API_TOKEN: Type.Optional(Type.String({ minLength: 1, description: 'Fastly API token with purge rights.' })),
  FASTLY_API_URL: Type.String({
    default: 'https://api.fastly.com',
    pattern: '^https?://',
    description: "Fastly's API (tests point it elsewhere).",
  }),
  CLOUDFLARE_API_TOKEN: Type.Optional(
    Type.String({ minLength: 1, description: 'Cloudflare API token with Cache Purge rights.' }),
  ),
  CLOUDFLARE_API_URL: Type.String({
    default: 'https://api.cloudflare.com/client/v4',
    pattern: '^https?://',
    description: "Cloudflare's API (tests point it elsewhere).",
  }),
  CACHE_S_MAXAGE: Type.Integer({
    minimum: 0,
    maximum: 31_536_000,
    default: 60,
    description: 'Seconds shared caches (CDNs) may keep a public read (s-maxage). With CDN_PURGE set, hours are safe.',
  }),
  READ_CACHE_MB: Type.Integer({
    minimum: 0,
    maximum: 65_536,
    default: 32,
    description:
      'Memory for the read cache of anonymous public answers in each process, in MiB (bodies, headers and keys counted). ' +
      '0 turns it off.',
  }),
  CACHE_STALE_WHILE_REVALIDATE: Type.Integer({
    minimum: 0,
    maximum: 31_536_000,
    default: 30,
    description: 'stale-while-revalidate, seconds.',
  }),
  CACHE_STALE_IF_ERROR: Type.Integer({
    minimum: 0,
    maximum: 31_536_000,
    default: 86_400,
    description: 'stale-if-error, seconds.',
  }),
  PUBLIC_SITE_URL: Type.Optional(
    Type.String({
      maxLength: 2000,
      pattern: '^https?://[^/?#\\s]+(/[^?#\\s]*[^/?#\\s])?$',
      description:
        "The frontend's address (https://news.example.com), without a trailing slash: {siteUrl} in the URL templates " +
        '(feeds, sitemaps, structured data). Unset: PUBLIC_URL, else http://localhost:<PORT>.',
    }),
  ),
  ARTICLE_URL_TEMPLATE: Type.String({
    maxLength: 2000,
    default: '{siteUrl}/articles/{slug}',
    pattern: '^(\\{siteUrl\\}|https?://)[^\\s]*\\{(slug|id)\\}[^\\s]*$',
    description:
      "An article's page on the frontend: {siteUrl}, {slug}, {id}, {yyyy}, {mm}, {dd} (publication date, UTC); must hold {slug} or {id}.",
  }),
  AUTHOR_URL_TEMPLATE: Type.String({
    maxLength: 2000,
    default: '{siteUrl}/authors/{slug}',
    pattern: '^(\\{siteUrl\\}|https?://)[^\\s]*\\{(slug|id)\\}[^\\s]*$',
    description: "An author's page on the frontend: {siteUrl}, {slug}, {id}; must hold {slug} or {id}.",
  }),
  SITEMAP_BASE_URL: Type.Optional(
    Type.String({
      maxLength: 2000,
      pattern: '^https?://[^/?#\\s]+(/[^?#\\s]*[^/?#\\s])?$',
      description:
        'Where the sitemap files are served from, as the sitemap index lists them (https://news.example.com when a proxy ' +
        'serves /sitemaps/ there). Unset: PUBLIC_URL, else http://localhost:<PORT>.',
    }),
  ),
  PUBLISHER_NAME: Type.String({
    minLength: 1,
    maxLength: 200,
    default: 'Broadsheet',
    description: "The publication's name: structured data's publisher, the feeds' title, the Google News sitemap.",
  }),
  PUBLISHER_LOGO_URL: Type.Optional(
    Type.String({
      maxLength: 2000,
      pattern: '^https?://[^\\s]+$',
      description: "The publisher's logo (structured data, feeds). Unset: none.",
    }),
  ),
  SITE_LANGUAGE: Type.String({
    maxLength: 35,
    default: 'en',
    pattern: '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$',
    description: 'BCP 47 language of the content (structured data inLanguage, feeds, the Google News sitemap).',
  }),
  MEDIA_STORAGE: Type.Enum(['disk', 's3'], {
    default: 'disk',
    description:
      'Where uploaded images and their variants are stored: disk (MEDIA_DIR) or an S3-compatible bucket (S3_*).',
  }),
  MEDIA_DIR: Type.Optional(
    Type.String({ minLength: 1, description: "The disk store's directory. Unset: DATA_DIR/media." }),
  ),
  S3_BUCKET: Type.Optional(Type.String({ minLength: 3, maxLength: 63, description: 'The bucket (MEDIA_STORAGE=s3).' })),
  S3_REGION: Type.String({ minLength: 1, default: 'us-east-1', description: "The bucket's region (R2: auto)." }),
  S3_ENDPOINT: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      description: 'An S3-compatible endpoint (MinIO, R2, GCS); unset: AWS S3.',
    }),
  ),
  S3_FORCE_PATH_STYLE: Type.Boolean({
    default: false,
    description: 'Address the bucket in the path (MinIO and most self-hosted stores need it).',
  }),
  S3_ACCESS_KEY_ID: Type.Optional(
    Type.String({
      minLength: 1,
      description: "Unset: the AWS SDK's default credential chain (environment, profile, role).",
    }),
  ),
  S3_SECRET_ACCESS_KEY: Type.Optional(Type.String({ minLength: 1, description: 'With S3_ACCESS_KEY_ID.' })),
  S3_PREFIX: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
      description: 'A key prefix inside the bucket (one segment), to share a bucket.',
    }),
  ),
  MEDIA_MAX_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 200 * 1024 * 1024,
    default: 25 * 1024 * 1024,
    description: 'Largest accepted upload; larger is 413.',
  }),
  MEDIA_MAX_PIXELS: Type.Integer({
    minimum: 10_000,
    maximum: 268_402_689,
    default: 50_000_000,
    description:
      'Most pixels (width × height) an upload may declare; more is 413, decided from the header before decoding.',
  }),
  MEDIA_ALLOW_SVG: Type.Boolean({
    default: false,
    description:
      'Accept SVG uploads (otherwise 415). Only SVGs that hold nothing that can run or fetch are taken; they are ' +
      'served as raster variants, and the SVG itself only as a download (Content-Disposition: attachment).',
  }),
  RUN_BACKGROUND_JOBS: Type.Boolean({
    default: true,
    description:
      'Run the delivery worker (webhooks, CDN purges), the scheduled go-live sweep and the housekeeping in this process. ' +
      'Several processes may all run them; false leaves them to the others.',
  }),
  MIGRATE_ON_START: Type.Boolean({ default: true, description: 'Apply pending migrations at start-up.' }),
  SEED_ON_EMPTY: Type.Boolean({
    default: true,
    description: 'Seed sample content when start-up had to create the schema (a brand-new database).',
  }),
})

export type Config = Static<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

const keys = Object.keys(ConfigSchema.properties) as (keyof Config)[]
/** Values never echoed back in an error message. */
const secrets = new Set<string>([
  'ADMIN_TOKEN',
  'DATABASE_URL',
  'REDIS_URL',
  'FASTLY_API_TOKEN',
  'CLOUDFLARE_API_TOKEN',
  'SECRETS_KEY',
  'S3_SECRET_ACCESS_KEY',
])

/**
 * Builds a validated config from environment-style string values (process.env by default).
 * Empty strings count as unset. Throws a ConfigError naming every bad variable.
 */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of keys) {
    const value = source[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const value = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw))
  if (Value.Check(ConfigSchema, value)) return value
  const problems = new Map<string, string>()
  for (const error of Value.Errors(ConfigSchema, value)) {
    const key = error.instancePath.replace(/^\//, '')
    if (problems.has(key)) continue
    const got = key in raw && !secrets.has(key) ? ` (got ${JSON.stringify(raw[key])})` : ''
    problems.set(key, `${key} ${describe(error.keyword, error.params, error.message)}${got}`)
  }
  throw new ConfigError(`Invalid configuration: ${[...problems.values()].join('; ')}`)
}

function describe(keyword: string, params: Record<string, unknown>, message: string): string {
  if (keyword === 'enum' && Array.isArray(params.allowedValues)) {
    return `must be one of ${params.allowedValues.join(', ')}`
  }
  if (keyword === 'pattern' && params.pattern === '^postgres(ql)?://') {
    return 'must be a postgres:// or postgresql:// connection string'
  }
  return message
}

/** The origins of local development servers (Vite, Next.js, Astro...): http://localhost or 127.0.0.1 or [::1], any port. */
export const LOCAL_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/

/**
 * Which browser origins may call the API: CORS_ORIGINS as given (`none`: no one), or, when it
 * is unset, local frontends on the embedded database (a developer's machine) and no one with
 * DATABASE_URL (a deployment says whom it serves).
 */
export function corsOrigins(config: Pick<Config, 'CORS_ORIGINS' | 'DATABASE_URL'>): {
  origins: '*' | (string | RegExp)[]
  localDefault: boolean
} {
  if (config.CORS_ORIGINS === undefined) {
    return config.DATABASE_URL === undefined
      ? { origins: [LOCAL_ORIGIN], localDefault: true }
      : { origins: [], localDefault: false }
  }
  if (config.CORS_ORIGINS.trim() === 'none') return { origins: [], localDefault: false }
  const listed = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean)
  return { origins: listed.includes('*') ? '*' : listed, localDefault: false }
}

/** Config for code paths that take explicit values (tests, scripts): defaults plus overrides. */
export function configWith(overrides: Partial<Config>): Config {
  const value = { ...(Value.Default(ConfigSchema, {}) as Config), ...overrides }
  if (!Value.Check(ConfigSchema, value)) throw new ConfigError('Invalid configuration override')
  return value
}
