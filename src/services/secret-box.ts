import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { chmod, link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError, type Config } from '../config.js'

/**
 * Secrets the server must read back (webhook signing secrets: signing needs them) are kept
 * encrypted in the database with AES-256-GCM under a key from configuration (SECRETS_KEY),
 * never in plaintext beside the data they protect. Stored form:
 *
 *   enc:v1:<key id>:<base64url of iv (12 bytes) | tag (16 bytes) | ciphertext>
 *
 * The key id is the first 8 hex digits of SHA-256 of the key's 32 bytes, so decryption picks
 * the right key of several (rotation) and a missing or wrong key is named in the error. The
 * authenticated data is the `enc:v1:<key id>:` prefix and a context naming what the value is
 * (`webhook-secret`): a value moved to another kind of secret, a changed key id or a changed
 * byte does not decrypt. A value without the `enc:` prefix is plaintext, as stored before a
 * key was configured; `open` returns it as it is, and the start-up pass encrypts it.
 */

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_BYTES = 32
/** The key file of the embedded database when SECRETS_KEY is unset. */
export const KEY_FILE = 'secrets.key'

/** Why a stored secret cannot be read; `message` is fit for the delivery log (never any secret). */
export class SecretUnreadable extends Error {
  override name = 'SecretUnreadable'
  constructor(
    readonly reason: 'no-key' | 'unknown-key' | 'tampered' | 'malformed',
    message: string,
    readonly keyId?: string,
  ) {
    super(message)
  }
}

export interface SecretKey {
  /** First 8 hex digits of SHA-256 of the key bytes. */
  id: string
  bytes: Buffer
}

export const keyId = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex').slice(0, 8)

const HEX_KEY = /^[0-9a-fA-F]{64}$/
const BASE64_KEY = /^(?:[A-Za-z0-9+/]{43}|[A-Za-z0-9_-]{43})=?$/
const KEY_FORMAT =
  'each key must be 32 random bytes written as base64 (openssl rand -base64 32) or as 64 hex digits (openssl rand -hex 32)'

/** One key as written in SECRETS_KEY or the key file. Throws (never echoing the value) when malformed. */
export function parseKey(text: string, where = 'SECRETS_KEY'): SecretKey {
  const value = text.trim()
  let bytes: Buffer | undefined
  if (HEX_KEY.test(value)) bytes = Buffer.from(value, 'hex')
  else if (BASE64_KEY.test(value)) bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64')
  if (bytes?.length !== KEY_BYTES)
    throw new ConfigError(`Invalid configuration: ${where} is not a valid key: ${KEY_FORMAT}`)
  return { id: keyId(bytes), bytes }
}

/** SECRETS_KEY: a comma list of keys, the first encrypts and every one decrypts. */
export function parseKeys(text: string, where = 'SECRETS_KEY'): SecretKey[] {
  const parts = text.split(',').map((part) => part.trim())
  if (parts.some((part) => part === ''))
    throw new ConfigError(`Invalid configuration: ${where} has an empty entry; ${KEY_FORMAT}, comma-separated`)
  return parts.map((part, i) => parseKey(part, parts.length > 1 ? `${where} (key ${i + 1} of ${parts.length})` : where))
}

/** A new random key, as the key file holds it (base64). */
export const generateKey = (): string => randomBytes(KEY_BYTES).toString('base64')

/**
 * Seals and opens secrets under a ring of keys: the first key encrypts, every key decrypts.
 * An empty ring (Postgres without SECRETS_KEY) stores plaintext, as before encryption existed.
 */
export class SecretBox {
  readonly keys: readonly SecretKey[]
  constructor(keys: readonly SecretKey[]) {
    this.keys = [...new Map(keys.map((key) => [key.bytes.toString('hex'), key])).values()]
  }

  /** Whether secrets are encrypted at all. */
  get enabled(): boolean {
    return this.keys.length > 0
  }

  /** The key id new values are encrypted with (undefined without a key). */
  get currentKeyId(): string | undefined {
    return this.keys[0]?.id
  }

  /** What a value sealed under the current key starts with: `enc:v1:<key id>:`. */
  get currentPrefix(): string | undefined {
    return this.keys[0] ? prefix(this.keys[0].id) : undefined
  }

  /** `plaintext` encrypted under the current key, bound to `context`; plaintext itself without a key. */
  seal(plaintext: string, context: string): string {
    const key = this.keys[0]
    if (!key) return plaintext
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv)
    cipher.setAAD(aad(key.id, context))
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return `${prefix(key.id)}${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`
  }

  /**
   * The plaintext of a stored value: decrypted with the key its id names, or as it is when it
   * was stored unencrypted. Throws SecretUnreadable (saying why) when it cannot be decrypted.
   */
  open(stored: string, context: string): string {
    if (!isSealed(stored)) return stored
    const match = /^enc:([^:]*):([^:]*):([A-Za-z0-9_-]*)$/.exec(stored)
    const what = context.replace(/-/g, ' ')
    if (!match || match[1] !== VERSION || !/^[0-9a-f]{8}$/.test(match[2]!)) {
      throw new SecretUnreadable(
        'malformed',
        `the stored ${what} is not in a known format (expected enc:${VERSION}:<key id>:<data>)`,
      )
    }
    const id = match[2]!
    const data = Buffer.from(match[3]!, 'base64url')
    if (data.length < IV_BYTES + TAG_BYTES)
      throw new SecretUnreadable('malformed', `the stored ${what} (key ${id}) is truncated`, id)
    const candidates = this.keys.filter((key) => key.id === id)
    if (candidates.length === 0) {
      throw this.keys.length === 0
        ? new SecretUnreadable(
            'no-key',
            `cannot decrypt the ${what}: it is encrypted with key ${id}, but no SECRETS_KEY is configured`,
            id,
          )
        : new SecretUnreadable(
            'unknown-key',
            `cannot decrypt the ${what}: it is encrypted with key ${id}, which is not among the configured keys ` +
              `(${this.keys.map((key) => key.id).join(', ')}); add that key to SECRETS_KEY after the current one`,
            id,
          )
    }
    for (const key of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.bytes, data.subarray(0, IV_BYTES), {
          authTagLength: TAG_BYTES,
        })
        decipher.setAAD(aad(id, context))
        decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
        return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
      } catch {
        // Authentication failed with this key; another one with the same id may fit.
      }
    }
    throw new SecretUnreadable(
      'tampered',
      `cannot decrypt the ${what} with key ${id}: the stored value was altered or belongs to something else`,
      id,
    )
  }

  /** Whether `stored` is sealed under the current key already (nothing to re-encrypt). */
  isCurrent(stored: string): boolean {
    const current = this.currentPrefix
    return current === undefined ? !isSealed(stored) : stored.startsWith(current)
  }
}

export const isSealed = (stored: string): boolean => stored.startsWith('enc:')
const prefix = (id: string) => `enc:${VERSION}:${id}:`
const aad = (id: string, context: string) => Buffer.from(`${prefix(id)}${context}`, 'utf8')

export interface SecretBoxLog {
  warn(details: Record<string, unknown>, message: string): void
  info(details: Record<string, unknown>, message: string): void
}

const inMemory = (dataDir: string) => dataDir.startsWith('memory://')

/**
 * The keys this process uses, by configuration:
 * - SECRETS_KEY set: its keys (the first encrypts). On the embedded database a key file left
 *   from before is kept as one more key to decrypt with, so its values are re-encrypted.
 * - Embedded database, SECRETS_KEY unset: a key generated once and kept beside the data in
 *   `<DATA_DIR>/secrets.key` (mode 0600); an in-memory key for `memory://`.
 * - DATABASE_URL, SECRETS_KEY unset: no key; secrets stay in plaintext, and the log says so.
 */
export async function loadSecretBox(
  config: Pick<Config, 'SECRETS_KEY' | 'DATABASE_URL' | 'DATA_DIR'>,
  log: SecretBoxLog,
): Promise<SecretBox> {
  const configured = config.SECRETS_KEY ? parseKeys(config.SECRETS_KEY) : []
  if (config.DATABASE_URL) {
    if (configured.length === 0) {
      log.warn(
        { setting: 'SECRETS_KEY' },
        'SECRETS_KEY is not set: webhook signing secrets are stored in the database in plaintext, so anyone who reads ' +
          'the database or a backup of it can sign webhooks as this server. Set SECRETS_KEY (openssl rand -base64 32) ' +
          'to encrypt them; existing secrets are encrypted at the next start',
      )
    }
    return new SecretBox(configured)
  }
  if (inMemory(config.DATA_DIR)) return new SecretBox(configured.length > 0 ? configured : [parseKey(generateKey())])
  const file = path.join(path.resolve(config.DATA_DIR), KEY_FILE)
  if (configured.length > 0) {
    const kept = await readKeyFile(file, log)
    return new SecretBox(kept ? [...configured, kept] : configured)
  }
  return new SecretBox([(await readKeyFile(file, log)) ?? (await createKeyFile(file, log))])
}

async function readKeyFile(file: string, log: SecretBoxLog): Promise<SecretKey | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const key = parseKey(text, file)
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) {
    await chmod(file, 0o600)
    log.warn({ file }, 'the secrets key file was readable by others; its mode is now 0600')
  }
  return key
}

/**
 * A new key file, written once: to a temporary file first, then linked into place, which fails
 * if the file appeared meanwhile (then that one is read). A crash never leaves a half-written key.
 */
async function createKeyFile(file: string, log: SecretBoxLog): Promise<SecretKey> {
  await mkdir(path.dirname(file), { recursive: true })
  const text = generateKey()
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  const handle = await open(temporary, 'wx', 0o600)
  try {
    await handle.writeFile(`${text}\n`, 'utf8')
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    await link(temporary, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return (await readKeyFile(file, log))!
    throw error
  } finally {
    await unlink(temporary)
  }
  const key = parseKey(text, file)
  log.info(
    { file, keyId: key.id },
    'made the key that encrypts webhook secrets in the embedded database; back it up with the data directory',
  )
  return key
}
