import { createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import type { Test } from 'tap'
import t from 'tap'
import { Webhook } from 'standardwebhooks'
import { buildApp } from '../../src/app.js'
import { configWith, type Config } from '../../src/config.js'
import {
  GENEROUS_LIMITS,
  buildTestApp,
  freshDatabase,
  json,
  onPostgres,
  tokenHeaders,
  type Headers,
  type TestApp,
} from '../support/app.js'
import { eventually, startReceiver, type Receiver } from '../support/receiver.js'
import { requires } from '../support/requires.js'
import { cleanEnv, run, SERVER } from '../support/process.js'

/**
 * Webhook signing secrets are encrypted at rest (AES-256-GCM under SECRETS_KEY, or the embedded
 * database's key file): what the database holds is `enc:v1:<key id>:…`, never the whsec_ secret,
 * and deliveries still verify with the secret the API showed once. Plaintext rows from before a
 * key was configured, and rows under an older key, are encrypted under the current key at start.
 */

const WORKER = { RUN_BACKGROUND_JOBS: true, DELIVERY_POLL_MS: 100, WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32' }
const newKey = () => randomBytes(32).toString('base64')
const ENCRYPTED = /^enc:v1:([0-9a-f]{8}):[A-Za-z0-9_-]{40,}$/

// The stored format, implemented here again from its description (not imported): a key is 32
// bytes (base64 here); its id the first 8 hex digits of their SHA-256; a stored value
// `enc:v1:<key id>:<base64url of iv (12) | tag (16) | ciphertext>`, AES-256-GCM with the
// authenticated data `enc:v1:<key id>:webhook-secret`.
const idOf = (key: string) => createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 8)
function decrypt(stored: string, key: string): string {
  const [, , id, data] = stored.split(':') as [string, string, string, string]
  const bytes = Buffer.from(data, 'base64url')
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key, 'base64'), bytes.subarray(0, 12))
  decipher.setAAD(Buffer.from(`enc:v1:${id}:webhook-secret`, 'utf8'))
  decipher.setAuthTag(bytes.subarray(12, 28))
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')
}

type App = Awaited<ReturnType<typeof buildApp>>

/**
 * Apps started one after another on the same database (Postgres: one fresh database; embedded:
 * one data directory on disk), each closed before the next opens it, all closed (and the
 * directory removed) when the test ends. `log` collects the JSON log lines of an app.
 */
async function lab(t: Test, options: { embedded?: boolean } = {}) {
  const apps: App[] = []
  const dir = await mkdtemp(path.join(tmpdir(), 'broadsheet-secrets-'))
  t.teardown(async () => {
    for (const app of apps) await app.close()
    await rm(dir, { recursive: true, force: true })
  })
  const database: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'> =
    onPostgres && !options.embedded ? await freshDatabase(t) : { DATABASE_URL: undefined, DATA_DIR: dir }
  return {
    dir,
    database,
    async start(overrides: Partial<Config> = {}, log?: Record<string, any>[]): Promise<App> {
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n')) if (line) log?.push(JSON.parse(line))
          done()
        },
      })
      const config = configWith({
        ...database,
        LOG_LEVEL: log ? 'info' : 'silent',
        DB_POOL_SIZE: 4,
        RUN_BACKGROUND_JOBS: false,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1/32',
        ...GENEROUS_LIMITS,
        ...overrides,
      })
      const app = await buildApp(config, log ? { logStream: stream } : { logger: false })
      apps.push(app)
      return app
    },
    async stop(app: App) {
      apps.splice(apps.indexOf(app), 1)
      await app.close()
    },
  }
}

async function subscribe(app: App | TestApp, admin: Headers, url: string) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/webhooks',
    headers: admin,
    payload: { url, events: ['*'] },
  })
  if (res.statusCode !== 201) throw new Error(`subscribe: ${res.statusCode} ${res.body}`)
  return json(res) as { id: string; secret: string }
}

async function rotate(app: App | TestApp, admin: Headers, id: string): Promise<string> {
  const res = await app.inject({ method: 'POST', url: `/api/v1/webhooks/${id}/rotate-secret`, headers: admin })
  if (res.statusCode !== 200) throw new Error(`rotate: ${res.statusCode} ${res.body}`)
  return json(res).secret as string
}

/** The row as the database holds it. */
const stored = (app: App | TestApp, id: string) =>
  app.db.prisma.webhookSubscription.findUniqueOrThrow({ where: { id }, select: { secret: true, previousSecret: true } })

/** Pings the subscription and waits for the receiver's next request; how many it has then. */
async function pinged(app: App | TestApp, admin: Headers, id: string, receiver: Receiver): Promise<void> {
  const before = receiver.received.length
  const res = await app.inject({ method: 'POST', url: `/api/v1/webhooks/${id}/ping`, headers: admin })
  if (res.statusCode !== 202) throw new Error(`ping: ${res.statusCode} ${res.body}`)
  await eventually(() => receiver.received.length > before, 15_000, 'the ping delivered')
}

/** Whether the receiver's `index`th request verifies with `secret` (standardwebhooks, any of its signatures). */
function verifiesOne(receiver: Receiver, index: number, secret: string): boolean {
  const request = receiver.received[index]
  if (!request) return false
  try {
    new Webhook(secret).verify(request.body, request.headers as Record<string, string>)
    return true
  } catch {
    return false
  }
}

t.test(
  'with a key: the database holds the secret encrypted; rotation too; deliveries verify with the plaintext',
  async (t) => {
    const receiver = await startReceiver(t)
    const key = newKey()
    const app = await buildTestApp(t, { ...WORKER, SECRETS_KEY: key })
    const admin = await tokenHeaders(app, 'admin')
    const hook = await subscribe(app, admin, receiver.url())
    t.match(hook.secret, /^whsec_/, 'the API shows the secret once, as today')

    const row = await stored(app, hook.id)
    t.not(row.secret, hook.secret, 'not stored as issued')
    t.match(row.secret, ENCRYPTED, 'enc:v1:<key id>:<data>')
    t.equal(ENCRYPTED.exec(row.secret)![1], idOf(key), 'under the configured key')
    t.notOk(row.secret.includes(hook.secret.slice(6)), 'no trace of the secret')
    t.equal(decrypt(row.secret, key), hook.secret, 'AES-256-GCM of the secret, as documented')
    t.equal(row.previousSecret, null)

    await pinged(app, admin, hook.id, receiver)
    t.equal(receiver.verified(hook.secret).length, 1, 'the delivery verifies with the plaintext secret the API showed')

    const second = await rotate(app, admin, hook.id)
    const rotated = await stored(app, hook.id)
    t.match(rotated.secret, ENCRYPTED, 'the new secret is stored encrypted')
    t.equal(rotated.previousSecret, row.secret, 'the old one stays encrypted as it was')
    t.notOk(rotated.secret.includes(second.slice(6)))
    t.equal(decrypt(rotated.secret, key), second)
    await pinged(app, admin, hook.id, receiver)
    t.equal(
      String(receiver.received[1]!.headers['webhook-signature']).split(' ').length,
      2,
      'two signatures during the overlap',
    )
    t.ok(verifiesOne(receiver, 1, second), 'verifies with the new secret')
    t.ok(verifiesOne(receiver, 1, hook.secret), 'and with the old one')

    const shown = await app.inject({ url: `/api/v1/webhooks/${hook.id}`, headers: admin })
    t.notMatch(shown.body, /enc:v1|whsec_/, 'neither the stored value nor the secret is ever shown again')
  },
)

t.test('plaintext secrets from before a key are encrypted at the next start, and still verify', async (t) => {
  const receiver = await startReceiver(t)
  const db = await lab(t)
  const log: Record<string, any>[] = []
  const first = await db.start()
  const admin = await tokenHeaders(first, 'admin')
  const hook = await subscribe(first, admin, receiver.url())
  const second = await rotate(first, admin, hook.id)
  if (onPostgres) {
    t.same(
      await stored(first, hook.id),
      { secret: second, previousSecret: hook.secret },
      'Postgres without SECRETS_KEY: stored as issued, as before',
    )
  } else {
    // The embedded database always has a key; write the row as a server before this change left it.
    await first.db.prisma.webhookSubscription.update({
      where: { id: hook.id },
      data: { secret: second, previousSecret: hook.secret },
    })
  }
  await db.stop(first)

  const key = newKey()
  const again = await db.start({ ...WORKER, SECRETS_KEY: key }, log)
  const row = await stored(again, hook.id)
  t.match(row.secret, ENCRYPTED, 'the current secret is encrypted at start')
  t.match(row.previousSecret, ENCRYPTED, 'and the previous one')
  t.equal(ENCRYPTED.exec(row.secret)![1], idOf(key))
  t.equal(ENCRYPTED.exec(row.previousSecret!)![1], idOf(key))
  t.same([decrypt(row.secret, key), decrypt(row.previousSecret!, key)], [second, hook.secret], 'each the secret it was')
  t.ok(
    log.some(
      (line) => line.msg === 'encrypted stored webhook secrets under the current SECRETS_KEY' && line.count === 2,
    ),
    'logged, with the count',
  )

  await pinged(again, await tokenHeaders(again, 'admin'), hook.id, receiver)
  t.ok(verifiesOne(receiver, 0, second), 'the delivery verifies with the secret shown at rotation')
  t.ok(verifiesOne(receiver, 0, hook.secret), 'and with the one shown at creation (the overlap)')
})

t.test(
  'key rotation: SECRETS_KEY=new,old re-encrypts under the new key at start; a missing key is a clear delivery error',
  async (t) => {
    const receiver = await startReceiver(t)
    const db = await lab(t)
    const [oldKey, newKeyValue, strangerKey] = [newKey(), newKey(), newKey()]
    const first = await db.start({ SECRETS_KEY: oldKey })
    const admin = await tokenHeaders(first, 'admin')
    const hook = await subscribe(first, admin, receiver.url())
    const current = await rotate(first, admin, hook.id)
    const before = await stored(first, hook.id)
    t.equal(ENCRYPTED.exec(before.secret)![1], idOf(oldKey))
    await db.stop(first)

    // Several processes may start at once: each replaces only the value it read.
    const log: Record<string, any>[] = []
    const rotated = await db.start({ ...WORKER, SECRETS_KEY: `${newKeyValue},${oldKey}` }, log)
    const after = await stored(rotated, hook.id)
    t.equal(ENCRYPTED.exec(after.secret)![1], idOf(newKeyValue), 'the secret is under the new key')
    t.equal(ENCRYPTED.exec(after.previousSecret!)![1], idOf(newKeyValue), 'the previous secret too')
    t.ok(
      log.some(
        (line) => line.msg === 'encrypted stored webhook secrets under the current SECRETS_KEY' && line.count === 2,
      ),
    )
    await pinged(rotated, admin, hook.id, receiver)
    t.ok(verifiesOne(receiver, 0, current), 'deliveries verify with the same plaintext secret')
    await db.stop(rotated)

    const newOnly = await db.start({ SECRETS_KEY: newKeyValue })
    t.same(await stored(newOnly, hook.id), after, 'the old key can go: nothing left under it, nothing re-encrypted')
    await db.stop(newOnly)

    // A key that opens none of them: the server starts, says so, and the deliveries fail with a clear error.
    const errors: Record<string, any>[] = []
    const stranger = await db.start({ ...WORKER, SECRETS_KEY: strangerKey }, errors)
    const complaint = errors.find((line) => line.level === 50 && /no configured key decrypts/.test(line.msg))
    t.ok(complaint, 'an error at start')
    t.same(complaint?.keyIds, [idOf(newKeyValue)], 'naming the key they need')
    t.equal(complaint?.count, 2)
    const strangerAdmin = await tokenHeaders(stranger, 'admin')
    const other = await startReceiver(t)
    const fresh = await subscribe(stranger, strangerAdmin, other.url())
    await stranger.inject({ method: 'POST', url: `/api/v1/webhooks/${hook.id}/ping`, headers: strangerAdmin })
    let deliveries: { status: string; attempts: number; error: string | null }[] = []
    await eventually(
      async () => {
        deliveries = json(
          await stranger.inject({ url: `/api/v1/webhooks/${hook.id}/deliveries`, headers: strangerAdmin }),
        ).data
        return deliveries.length > 0 && deliveries[0]!.error !== null
      },
      15_000,
      'the failed attempt recorded',
    )
    t.ok(deliveries[0]!.attempts >= 1, 'an attempt, counted')
    t.equal(deliveries[0]!.status, 'pending', 'retried later (the key may come back)')
    t.match(
      deliveries[0]!.error,
      new RegExp(
        `cannot decrypt the webhook secret: it is encrypted with key ${idOf(newKeyValue)}, which is not among the configured keys`,
      ),
    )
    t.equal(receiver.received.length, 1, 'nothing sent unsigned or wrongly signed')
    await pinged(stranger, strangerAdmin, fresh.id, other)
    t.equal(other.verified(fresh.secret).length, 1, 'the worker goes on: other subscriptions are delivered')
  },
)

t.test(
  'processes starting together with a new key: every secret encrypted once, none lost',
  { skip: requires('postgres', 'one process per embedded database') },
  async (t) => {
    const db = await lab(t)
    const first = await db.start()
    const admin = await tokenHeaders(first, 'admin')
    const issued = new Map<string, string>()
    for (let i = 0; i < 30; i++) {
      const hook = await subscribe(first, admin, `https://hooks.example.com/${i}`)
      issued.set(hook.id, hook.secret)
    }
    await db.stop(first)
    const key = newKey()
    const logs: Record<string, any>[][] = [[], [], []]
    const apps = await Promise.all(logs.map((log) => db.start({ SECRETS_KEY: key }, log)))
    const rows = await apps[0]!.db.prisma.webhookSubscription.findMany({ select: { id: true, secret: true } })
    t.equal(rows.length, 30)
    t.ok(
      rows.every((row) => ENCRYPTED.exec(row.secret)?.[1] === idOf(key)),
      'every secret under the key',
    )
    t.ok(
      rows.every((row) => decrypt(row.secret, key) === issued.get(row.id)),
      'each opens to the secret issued for its row',
    )
    const counted = logs.flatMap((log) =>
      log
        .filter((line) => line.msg === 'encrypted stored webhook secrets under the current SECRETS_KEY')
        .map((line) => line.count as number),
    )
    t.equal(
      counted.reduce((a, b) => a + b, 0),
      30,
      'each secret replaced exactly once across the processes',
    )
  },
)

t.test(
  'no key with DATABASE_URL: the server starts, warns once, and keeps secrets in plaintext',
  { skip: requires('postgres', 'the embedded database always has a key') },
  async (t) => {
    const log: Record<string, any>[] = []
    const db = await lab(t)
    const app = await db.start({}, log)
    const warnings = log.filter((line) => line.level === 40 && /SECRETS_KEY is not set/.test(line.msg))
    t.equal(warnings.length, 1, 'one warning')
    t.match(
      warnings[0]?.msg,
      /stored in the database in plaintext.*anyone who reads the database or a backup of it can sign webhooks.*Set SECRETS_KEY \(openssl rand -base64 32\)/,
    )
    const admin = await tokenHeaders(app, 'admin')
    const hook = await subscribe(app, admin, 'https://hooks.example.com/in')
    t.same(await stored(app, hook.id), { secret: hook.secret, previousSecret: null }, 'stored as issued, as before')
    t.equal(
      log.filter((line) => /SECRETS_KEY is not set/.test(line.msg ?? '')).length,
      1,
      'still one warning after requests',
    )
  },
)

t.test('embedded database without SECRETS_KEY: a key file made once (0600) in DATA_DIR and reused', async (t) => {
  const receiver = await startReceiver(t)
  const db = await lab(t, { embedded: true })
  const file = path.join(db.dir, 'secrets.key')
  const log: Record<string, any>[] = []
  const first = await db.start(WORKER, log)
  const text = await readFile(file, 'utf8')
  t.match(text, /^[A-Za-z0-9+/]{43}=\n$/, '32 random bytes in base64')
  const key = { id: idOf(text.trim()) }
  if (process.platform !== 'win32') t.equal((await stat(file)).mode & 0o777, 0o600, 'readable by the owner only')
  t.ok(
    log.some((line) => line.keyId === key.id && line.file === file),
    'its making is logged (id and path, never the key)',
  )
  t.notOk(JSON.stringify(log).includes(text.trim()), 'the key itself is never logged')
  const admin = await tokenHeaders(first, 'admin')
  const hook = await subscribe(first, admin, receiver.url())
  const row = await stored(first, hook.id)
  t.equal(ENCRYPTED.exec(row.secret)?.[1], key.id, 'secrets are encrypted with it')
  await db.stop(first)

  const second = await db.start(WORKER)
  t.equal(await readFile(file, 'utf8'), text, 'the next start reuses the file')
  t.same(await stored(second, hook.id), row, 'and re-encrypts nothing')
  await pinged(second, admin, hook.id, receiver)
  t.equal(receiver.verified(hook.secret).length, 1, 'deliveries verify after the restart')
  await db.stop(second)

  // Moving to an explicit key: the file's key still decrypts, and everything moves to SECRETS_KEY.
  const explicit = newKey()
  const third = await db.start({ ...WORKER, SECRETS_KEY: explicit })
  t.equal(ENCRYPTED.exec((await stored(third, hook.id)).secret)?.[1], idOf(explicit), 're-encrypted under SECRETS_KEY')
  await pinged(third, admin, hook.id, receiver)
  t.equal(receiver.verified(hook.secret).length, 2)
})

t.test('a malformed SECRETS_KEY stops the server with one clear line, never echoing it', async (t) => {
  const bad = `${newKey()},${randomBytes(31).toString('hex')}`
  const env = { PORT: '0', DATA_DIR: 'memory://', MIGRATE_ON_START: 'false', SEED_ON_EMPTY: 'false', SECRETS_KEY: bad }
  const exited = await run(SERVER[0], [...SERVER[1]], cleanEnv(env), 60_000)
  t.equal(exited.code, 1, 'exits 1')
  t.match(
    exited.stderr,
    /^broadsheet: Invalid configuration: SECRETS_KEY \(key 2 of 2\) is not a valid key: each key must be 32 random bytes written as base64 \(openssl rand -base64 32\) or as 64 hex digits/m,
  )
  t.notOk(
    exited.stderr.includes(bad.split(',')[1]!) || exited.stdout.includes(bad.split(',')[0]!),
    'the value is not echoed',
  )
})
