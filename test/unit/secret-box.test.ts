import { createHash, randomBytes } from 'node:crypto'
import t from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'
import { SecretBox, SecretUnreadable, generateKey, parseKey, parseKeys } from '../../src/services/secret-box.js'

/**
 * The cipher that keeps webhook signing secrets encrypted at rest (AES-256-GCM under SECRETS_KEY):
 * round trip, key ids, rotation, and every way a stored value can fail to open, each with an
 * error that says why.
 */

const secret = `whsec_${randomBytes(32).toString('base64')}`
const CONTEXT = 'webhook-secret'
const k1 = parseKey(generateKey())
const k2 = parseKey(generateKey())

t.test('a round trip: the stored value is versioned, names its key and hides the secret', async (t) => {
  const box = new SecretBox([k1])
  const stored = box.seal(secret, CONTEXT)
  t.match(stored, new RegExp(`^enc:v1:${k1.id}:[A-Za-z0-9_-]+$`))
  t.notOk(stored.includes(secret) || stored.includes(secret.slice(6)), 'no trace of the plaintext')
  t.not(box.seal(secret, CONTEXT), stored, 'a fresh IV each time')
  t.equal(box.open(stored, CONTEXT), secret)
  t.ok(box.isCurrent(stored))
  t.equal(
    k1.id,
    createHash('sha256').update(k1.bytes).digest('hex').slice(0, 8),
    'the key id: first 8 hex digits of SHA-256 of the key',
  )
})

t.test('plaintext from before a key is returned as it is; without a key nothing is encrypted', async (t) => {
  t.equal(new SecretBox([k1]).open(secret, CONTEXT), secret)
  t.notOk(new SecretBox([k1]).isCurrent(secret), 'plaintext is not under the current key')
  const none = new SecretBox([])
  t.notOk(none.enabled)
  t.equal(none.seal(secret, CONTEXT), secret, 'no key: stored as issued')
  t.equal(none.open(secret, CONTEXT), secret)
})

t.test('rotation: the first key encrypts, every key decrypts', async (t) => {
  const old = new SecretBox([k1]).seal(secret, CONTEXT)
  const rotated = new SecretBox([k2, k1])
  t.equal(rotated.currentKeyId, k2.id)
  t.equal(rotated.open(old, CONTEXT), secret, 'a value under the old key still opens')
  t.notOk(rotated.isCurrent(old))
  const resealed = rotated.seal(rotated.open(old, CONTEXT), CONTEXT)
  t.match(resealed, new RegExp(`^enc:v1:${k2.id}:`))
  t.ok(rotated.isCurrent(resealed))
})

t.test('a wrong or missing key is a clear SecretUnreadable naming the key id, never the secret', async (t) => {
  const stored = new SecretBox([k1]).seal(secret, CONTEXT)
  const wrong = t.throws(() => new SecretBox([k2]).open(stored, CONTEXT)) as SecretUnreadable
  t.ok(wrong instanceof SecretUnreadable)
  t.equal(wrong.reason, 'unknown-key')
  t.equal(wrong.keyId, k1.id)
  t.match(
    wrong.message,
    new RegExp(`encrypted with key ${k1.id}, which is not among the configured keys \\(${k2.id}\\)`),
  )
  const none = t.throws(() => new SecretBox([]).open(stored, CONTEXT)) as SecretUnreadable
  t.equal(none.reason, 'no-key')
  t.match(none.message, /no SECRETS_KEY is configured/)
  for (const error of [wrong, none]) t.notOk(error.message.includes(secret.slice(6)))
  // Another key that happens to carry the same id (forged) fails authentication instead.
  const impostor = { id: k1.id, bytes: k2.bytes }
  t.throws(() => new SecretBox([impostor]).open(stored, CONTEXT), { name: 'SecretUnreadable', reason: 'tampered' })
})

t.test('a tampered value does not open', async (t) => {
  const box = new SecretBox([k1])
  const stored = box.seal(secret, CONTEXT)
  const [head, data] = [stored.slice(0, stored.lastIndexOf(':') + 1), stored.slice(stored.lastIndexOf(':') + 1)]
  const bytes = Buffer.from(data, 'base64url')
  for (const at of [0, 12, 28, bytes.length - 1]) {
    const flipped = Buffer.from(bytes)
    flipped[at]! ^= 1
    t.throws(
      () => box.open(head + flipped.toString('base64url'), CONTEXT),
      { name: 'SecretUnreadable', reason: 'tampered' },
      `byte ${at} flipped`,
    )
  }
  t.throws(
    () => box.open(head + bytes.subarray(0, 20).toString('base64url'), CONTEXT),
    { name: 'SecretUnreadable', reason: 'malformed' },
    'truncated',
  )
  t.throws(
    () => box.open(`enc:v9:${k1.id}:${data}`, CONTEXT),
    { name: 'SecretUnreadable', reason: 'malformed' },
    'an unknown version',
  )
  t.throws(() => box.open('enc:v1:nothex!!:abc', CONTEXT), { name: 'SecretUnreadable', reason: 'malformed' })
  // The key id is authenticated: relabelling a value with another key's id fails too.
  t.throws(() => new SecretBox([k1, k2]).open(stored.replace(k1.id, k2.id), CONTEXT), {
    name: 'SecretUnreadable',
    reason: 'tampered',
  })
})

t.test('the context is bound (authenticated data): a value sealed for one use does not open as another', async (t) => {
  const box = new SecretBox([k1])
  const stored = box.seal(secret, CONTEXT)
  t.throws(() => box.open(stored, 'another-secret'), { name: 'SecretUnreadable', reason: 'tampered' })
  t.equal(box.open(stored, CONTEXT), secret)
})

t.test('key formats: base64 (standard or url-safe) or 64 hex digits, a comma list to rotate', async (t) => {
  const bytes = randomBytes(32)
  const id = parseKey(bytes.toString('base64')).id
  t.equal(parseKey(bytes.toString('hex')).id, id, 'hex')
  t.equal(parseKey(bytes.toString('base64url')).id, id, 'base64url without padding')
  t.equal(parseKey(` ${bytes.toString('base64')}\n`).id, id, 'surrounding whitespace (a key file) ignored')
  t.same(
    parseKeys(`${bytes.toString('base64')}, ${k1.bytes.toString('hex')}`).map((k) => k.id),
    [id, k1.id],
  )
  for (const bad of [
    'short',
    randomBytes(16).toString('base64'),
    randomBytes(31).toString('hex'),
    'x'.repeat(64),
    `${bytes.toString('base64')}==`,
  ]) {
    const error = t.throws(() => parseKey(bad), ConfigError) as ConfigError
    t.match(
      error.message,
      /SECRETS_KEY is not a valid key: each key must be 32 random bytes written as base64 \(openssl rand -base64 32\)/,
    )
    t.notOk(error.message.includes(bad), 'the value is never echoed')
  }
  t.throws(() => parseKeys(`${bytes.toString('base64')},`), /SECRETS_KEY has an empty entry/)
  t.throws(() => parseKeys(`${bytes.toString('base64')},nope`), /SECRETS_KEY \(key 2 of 2\) is not a valid key/)
})

t.test('SECRETS_KEY is a secret of the configuration: read as given, never echoed in an error', async (t) => {
  const key = generateKey()
  t.equal(loadConfig({ SECRETS_KEY: key }).SECRETS_KEY, key)
  t.equal(loadConfig({}).SECRETS_KEY, undefined, 'unset by default')
  const long = `${key},`.repeat(100)
  const error = t.throws(() => loadConfig({ SECRETS_KEY: long })) as ConfigError
  t.match(error.message, /SECRETS_KEY/)
  t.notOk(error.message.includes(key), 'the value is not echoed')
})
