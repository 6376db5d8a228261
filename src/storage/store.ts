import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import { openDiskStore } from './disk.js'
import { openS3Store } from './s3.js'

// Where media bytes live, and which driver keeps them. The local-disk driver is in
// storage/disk.ts, the S3-compatible one in storage/s3.ts; both pass the same suite
// (test/storage/store.test.ts). Nothing here knows about media rows, variants or HTTP: the
// media service decides what to store, this layer only keeps bytes under server-made keys.

/** What a store reports of an object without reading it. */
export interface StoredObject {
  /** The object's exact length in bytes. */
  bytes: number
  /** The media type given to `put`, returned as it was stored. */
  contentType: string
}

/** An object opened for reading: its bytes as a stream, with what `head` would say of it. */
export interface StoredStream extends StoredObject {
  /**
   * The object's bytes. The caller must consume or destroy it: until then it holds a file
   * descriptor (disk) or a pooled HTTP connection (S3).
   */
  body: Readable
}

/**
 * A place for media bytes. Every method first checks its key with `assertStorageKey` and
 * refuses anything but a key `newStorageKey` could have made, before any I/O: a key that came
 * from anywhere else (a request, a filename, a URL) never reaches a path or a bucket.
 * Failures of the backend itself (a full disk, an unreachable endpoint) reject with
 * `StorageError`, so callers can answer 503 without knowing which driver is configured.
 */
export interface ObjectStore {
  readonly driver: 'disk' | 's3'
  /**
   * Stores the whole object atomically: a reader sees the old object, or none, or the whole
   * new one, never a part (disk: a temporary file renamed over the old one; S3: one PUT).
   */
  put(key: string, body: Buffer, contentType: string): Promise<void>
  /** The object's bytes, or null when there is none. */
  get(key: string): Promise<Buffer | null>
  /** A stream of the object's bytes with its size and type, or null: for large originals, without buffering them. */
  stream(key: string): Promise<StoredStream | null>
  /** The object's size and type, or null when there is none. */
  head(key: string): Promise<StoredObject | null>
  /** Removes the object. Idempotent: deleting a missing key is not an error. */
  delete(key: string): Promise<void>
  /** Releases what the driver holds (the S3 client's sockets). */
  close(): Promise<void>
}

export interface DiskStoreOptions {
  driver: 'disk'
  /** The directory objects live under (e.g. `${DATA_DIR}/media`), created with mode 0700 on first write. */
  root: string
  /** Removes the directory and everything in it at `close` (a store for one process's life). */
  temporary?: boolean
}

export interface S3StoreOptions {
  driver: 's3'
  bucket: string
  region: string
  /** For S3-compatible services (MinIO, R2, GCS's XML API); AWS itself needs none. */
  endpoint?: string
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key` (MinIO and most local servers need it). */
  forcePathStyle?: boolean
  /** Both or neither; without them the SDK's default chain applies (environment, shared config, instance role). */
  accessKeyId?: string
  secretAccessKey?: string
  /** Prepended to every key, for a bucket shared with other data: `broadsheet/` or `sites/a/`. */
  prefix?: string
  /**
   * How long a request may wait for the answer's headers, and a body may stall between
   * chunks, in milliseconds (default 30 s). Connecting has its own 5 s bound.
   */
  requestTimeoutMs?: number
}

export type StoreOptions = DiskStoreOptions | S3StoreOptions

/** Opens the configured store. Nothing is touched until the first call (no directory made, no request sent). */
export function openStore(options: StoreOptions): ObjectStore {
  switch (options.driver) {
    case 'disk':
      return openDiskStore(options.root, { temporary: options.temporary === true })
    case 's3':
      return openS3Store(options)
  }
}

/**
 * A key that is not one `newStorageKey` makes. Thrown before any I/O; a programming error,
 * never something a client caused (clients never choose keys).
 */
export class StorageKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'StorageKeyError'
  }
}

/**
 * The backend failed (disk full, permission denied, endpoint unreachable or answering 5xx, a
 * timeout). The message names the driver and the operation, never a path or a credential;
 * the original error is the `cause`, for the logs.
 */
export class StorageError extends Error {
  constructor(
    readonly driver: 'disk' | 's3',
    readonly operation: 'put' | 'get' | 'stream' | 'head' | 'delete',
    options: ErrorOptions,
  ) {
    super(`${driver} storage: ${operation} failed`, options)
    this.name = 'StorageError'
  }
}

/** The kinds of objects Broadsheet stores: stripped originals (private) and generated variants. */
export const STORAGE_KINDS = ['originals', 'variants'] as const
export type StorageKind = (typeof STORAGE_KINDS)[number]

/**
 * 18 random bytes: 144 bits, well past the 128 that make a key unguessable, and a multiple of
 * 3 so the base64url text is exactly 24 characters with no padding and no partly-used last
 * character.
 */
const RANDOM_BYTES = 18
const RANDOM_CHARS = 24

/**
 * The one shape a key may have: a kind, 24 base64url characters, and optionally a name a
 * caller picked from its own allowlist (`thumb.webp`). Only ASCII letters, digits, `_` and `-`
 * in the random part and one dot in the name: no `.`/`..` segment, no empty segment, no
 * backslash, no `%`, no leading `/`, no control or non-ASCII character can match, and the
 * length is bounded by construction. (`$` without the `m` flag matches only at the very end,
 * so a trailing newline does not slip through either.)
 */
const NAME = /^[a-z0-9-]{1,32}\.[a-z0-9]{1,8}$/
const KEY = new RegExp(
  `^(?:${STORAGE_KINDS.join('|')})/[A-Za-z0-9_-]{${RANDOM_CHARS}}(?:/[a-z0-9-]{1,32}\\.[a-z0-9]{1,8})?$`,
)
/** Longer than any key the pattern admits; checked first so a huge string costs nothing. */
const MAX_KEY_LENGTH = 80

/**
 * A new unguessable key for an object of `kind`: `originals/Q2h…` (24 characters of base64url
 * from `crypto.randomBytes`). With `name`, the key names one object under that random part
 * (`variants/Q2h…/thumb.webp`); `namedStorageKey` makes further names under the same part.
 */
export function newStorageKey(kind: StorageKind, name?: string): string {
  if (!STORAGE_KINDS.includes(kind)) throw new StorageKeyError(`unknown storage kind ${JSON.stringify(kind)}`)
  const key = `${kind}/${randomBytes(RANDOM_BYTES).toString('base64url')}`
  return name === undefined ? key : namedStorageKey(key, name)
}

/**
 * The key of the object called `name` (`[a-z0-9-]+.[a-z0-9]+`, e.g. `card.avif`) under a key
 * `newStorageKey` made: the variants of one image share its random part.
 */
export function namedStorageKey(base: string, name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new StorageKeyError('invalid object name')
  assertStorageKey(base)
  if (base.split('/').length !== 2) throw new StorageKeyError('the base key already has a name')
  const key = `${base}/${name}`
  assertStorageKey(key)
  return key
}

/**
 * Throws `StorageKeyError` unless `key` has exactly the shape `newStorageKey` makes. Every
 * driver method calls this before anything else. The message never repeats the key: a hostile
 * one should not reach the logs verbatim.
 */
export function assertStorageKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new StorageKeyError('storage key is not a string')
  if (key.length > MAX_KEY_LENGTH || !KEY.test(key)) throw new StorageKeyError('invalid storage key')
}

/** A media type safe to store and to send back as a header: `type/subtype`, lower case, no parameters. */
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/

/**
 * Throws a TypeError unless `contentType` is a bare media type (`image/webp`). The stored type
 * goes back out as a `Content-Type` header, so nothing that could carry a line break or a
 * parameter is accepted; the media pipeline decides types from the bytes, so this only ever
 * catches a programming error.
 */
export function assertContentType(contentType: unknown): asserts contentType is string {
  if (typeof contentType !== 'string' || !CONTENT_TYPE.test(contentType)) throw new TypeError('invalid content type')
}

/** Whether `value` is a media type `assertContentType` accepts (for types read back from storage). */
export function isContentType(value: string): boolean {
  return CONTENT_TYPE.test(value)
}

/** The checks every driver's `put` makes before any I/O: the key, the body, the type. */
export function assertPut(key: unknown, body: unknown, contentType: unknown): void {
  assertStorageKey(key)
  if (!Buffer.isBuffer(body)) throw new TypeError('the body must be a Buffer')
  assertContentType(contentType)
}
