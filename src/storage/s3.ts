import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3'
import {
  assertPut,
  assertStorageKey,
  isContentType,
  StorageError,
  type ObjectStore,
  type S3StoreOptions,
} from './store.js'

/**
 * The S3-compatible driver, for deployments that outgrow one machine: AWS S3, Cloudflare R2,
 * MinIO, GCS's XML API. One object is one S3 object under `prefix + key` with its
 * `Content-Type`; a PUT is atomic on every one of these services (readers see the old object
 * or the whole new one), so there is nothing to add for that.
 *
 * Tested against s3rver, a local S3-compatible server from npm that the tests start
 * themselves (test/support/s3.ts), with the same suite as the disk driver.
 *
 * Missing objects: GET answers 404 NoSuchKey and HEAD a bare 404, both read as null. AWS
 * answers 403 instead when the credentials lack `s3:ListBucket` on the bucket; grant it, or a
 * missing object becomes a StorageError. A missing bucket is an error for GET (NoSuchBucket)
 * but, HEAD having no body to say so, null for HEAD.
 */

const CONNECT_TIMEOUT_MS = 5_000
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
/** One retry: a transient 5xx or reset is worth a second try, a dead endpoint is not worth five. */
const MAX_ATTEMPTS = 2
const PREFIX = /^(?:[A-Za-z0-9_-]+\/)*$/

export function openS3Store(options: S3StoreOptions): ObjectStore {
  const prefix = normalisePrefix(options.prefix)
  const { bucket } = options
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
  if ((options.accessKeyId === undefined) !== (options.secretAccessKey === undefined)) {
    throw new TypeError('S3 storage: give both accessKeyId and secretAccessKey, or neither')
  }
  const client = new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle ?? false,
    credentials:
      options.accessKeyId !== undefined && options.secretAccessKey !== undefined
        ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey }
        : undefined,
    // Since v3.729 (January 2025, aws-sdk-js-v3 #6810) the SDK adds a CRC32 checksum to every
    // upload (`x-amz-sdk-checksum-algorithm`, `x-amz-checksum-crc32`; aws-chunked bodies with
    // trailers for streams) and asks for checksums on downloads. AWS understands all of it;
    // S3-compatible services did not when it shipped (R2 answered 501 NotImplemented for the
    // header, Backblaze B2 and OVH refused it) and older MinIO releases and local servers like
    // s3rver predate it. 'WHEN_REQUIRED' sends and checks them only for operations whose API
    // demands one (none of the four used here), which works on AWS, MinIO, R2, GCS and s3rver
    // alike; uploads keep an integrity check through Content-MD5 instead (below).
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: MAX_ATTEMPTS,
    // Bounded waits: a hung endpoint must fail a request, not hold it (and its client) forever.
    // requestTimeout ends when the answer's headers arrive; socketTimeout then bounds each
    // stall of a body being streamed.
    requestHandler: {
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout,
      throwOnRequestTimeout: true,
      socketTimeout: requestTimeout,
    },
  })

  /** The request's Bucket and Key, after the key check every method makes first. */
  const target = (key: string) => {
    assertStorageKey(key)
    return { Bucket: bucket, Key: prefix + key }
  }

  return {
    driver: 's3',
    async put(key, body, contentType) {
      assertPut(key, body, contentType)
      const command = new PutObjectCommand({
        ...target(key),
        Body: body,
        ContentType: contentType,
        ContentLength: body.length,
        // The service recomputes it and refuses the PUT (400 BadDigest) when the bytes it
        // received differ: the integrity check that the flexible checksums would have given.
        ContentMD5: createHash('md5').update(body).digest('base64'),
      })
      await failsAs('put', () => client.send(command))
    },
    async get(key) {
      const command = new GetObjectCommand(target(key))
      return failsAs('get', async () => {
        const object = await orNullWhenMissing(client.send(command))
        if (!object) return null
        const bytes = await bodyOf(object).transformToByteArray()
        return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      })
    },
    async stream(key) {
      const command = new GetObjectCommand(target(key))
      return failsAs('stream', async () => {
        const object = await orNullWhenMissing(client.send(command))
        if (!object) return null
        const body = bodyOf(object)
        if (!(body instanceof Readable)) throw new Error('the SDK returned a body that is not a Node stream')
        return { body, bytes: lengthOf(object), contentType: typeOf(object) }
      })
    },
    async head(key) {
      const command = new HeadObjectCommand(target(key))
      return failsAs('head', async () => {
        const head = await orNullWhenMissing(client.send(command))
        return head && { bytes: lengthOf(head), contentType: typeOf(head) }
      })
    },
    async delete(key) {
      const command = new DeleteObjectCommand(target(key))
      // S3 answers 204 for a missing key too; some compatible services answer 404.
      await failsAs('delete', () => orNullWhenMissing(client.send(command)))
    },
    async close() {
      client.destroy()
    },
  }
}

/** `''`, or the operator's prefix ending in exactly one `/` (`media` → `media/`). */
function normalisePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return ''
  const normal = prefix.endsWith('/') ? prefix : `${prefix}/`
  if (!PREFIX.test(normal)) {
    throw new TypeError('S3 storage: prefix must be segments of letters, digits, _ and - separated by /')
  }
  return normal
}

async function failsAs<T>(operation: StorageError['operation'], work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (cause) {
    throw new StorageError('s3', operation, { cause })
  }
}

/** NoSuchKey is GET's answer for a missing key, NotFound the SDK's name for HEAD's bare 404. */
async function orNullWhenMissing<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request
  } catch (error) {
    if (error instanceof Error && (error.name === 'NoSuchKey' || error.name === 'NotFound')) return null
    throw error
  }
}

function bodyOf(object: GetObjectCommandOutput): NonNullable<GetObjectCommandOutput['Body']> {
  if (!object.Body) throw new Error('the S3 answer has no body')
  return object.Body
}

function lengthOf(object: { ContentLength?: number | undefined }): number {
  if (object.ContentLength === undefined) throw new Error('the S3 answer has no Content-Length')
  return object.ContentLength
}

/** The stored type; a service that lost or mangled it gets the neutral type, never a header we did not check. */
function typeOf(object: { ContentType?: string | undefined }): string {
  return object.ContentType !== undefined && isContentType(object.ContentType)
    ? object.ContentType
    : 'application/octet-stream'
}
