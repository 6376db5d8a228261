import { createHash, randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import path from 'node:path'
import type { Readable } from 'node:stream'
import t, { type Test } from 'tap'
import { resolveInside } from '../../src/storage/disk.js'
import {
  assertStorageKey,
  namedStorageKey,
  newStorageKey,
  openStore,
  StorageError,
  StorageKeyError,
  type ObjectStore,
  type S3StoreOptions,
} from '../../src/storage/store.js'
import { tree } from '../support/files.js'
import { tempDir } from '../support/process.js'
import { startLocalS3, type LocalS3 } from '../support/s3.js'

/**
 * The storage layer (issue 27): one suite, `storeSuite`, run against both drivers, the disk
 * driver under a temporary directory and the S3 driver against s3rver started here
 * (test/support/s3.ts), with the same cases and the same assertions. Then what only one driver
 * has: file modes, temporary files and symlinks on disk; the headers sent, the prefix, the
 * timeouts and the 404 mapping on S3. And the keys themselves: unguessable, and the only thing
 * any method accepts.
 */

/** A store under test, and everything its backend shows of itself (files, requests received). */
interface Harness {
  store: ObjectStore
  /** Changes when the backend was touched at all: a refused call must leave it equal. */
  footprint(): Promise<unknown>
}

type Open = (t: Test) => Promise<Harness>

const MB = 1024 * 1024
const RANDOM = 'A'.repeat(24)

/** Keys no method may act on, each refused by the key check before any I/O. */
const HOSTILE_KEYS: [string, unknown][] = [
  ['parent segment', '../x'],
  ['traversal after a kind', 'originals/../../etc/passwd'],
  ['absolute path', '/abs'],
  ['backslash', 'originals\\x'],
  ['percent-encoded dots', 'originals/%2e%2e/x'],
  ['empty segment', 'originals//x'],
  ['dot segment', 'originals/./x'],
  ['empty', ''],
  ['1000 characters', `originals/${'A'.repeat(990)}`],
  ['unicode', `originals/${'A'.repeat(23)}é`],
  ['fullwidth solidus', `originals/${RANDOM}／thumb.webp`],
  ['NUL', `originals/${RANDOM}\0`],
  ['trailing newline', `originals/${RANDOM}\n`],
  ['trailing slash', `originals/${RANDOM}/`],
  ['unknown kind', `secrets/${RANDOM}`],
  ['random part too short', `originals/${'A'.repeat(23)}`],
  ['name with two dots', `variants/${RANDOM}/thumb.webp.type`],
  ['name without a dot', `variants/${RANDOM}/thumb`],
  ['name in upper case', `variants/${RANDOM}/Thumb.webp`],
  ['name that climbs', `variants/${RANDOM}/../x.webp`],
  ['one segment too many', `variants/${RANDOM}/a/thumb.webp`],
  ['not a string', 42],
  ['undefined', undefined],
]

async function collect(body: Readable): Promise<Buffer> {
  return Buffer.concat((await body.toArray()) as Buffer[])
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

/** The shared suite: what every driver must do, asserted the same way for each. */
function storeSuite(t: Test, open: Open) {
  t.test('put then get returns the very bytes, head their size and type, stream the same bytes', async (t) => {
    const { store } = await open(t)
    const cases = [
      ['a small text', Buffer.from('Broadsheet\n'), 'text/plain'],
      ['5 MB of random bytes', randomBytes(5 * MB), 'image/jpeg'],
      ['an empty object', Buffer.alloc(0), 'image/png'],
    ] as const
    for (const [what, body, contentType] of cases) {
      const key = newStorageKey('originals')
      await store.put(key, body, contentType)
      const got = await store.get(key)
      t.ok(got !== null && got.equals(body), `${what}: get returns the same ${body.length} bytes`)
      t.same(await store.head(key), { bytes: body.length, contentType }, `${what}: head`)
      const streamed = await store.stream(key)
      t.ok(streamed, `${what}: stream finds it`)
      if (!streamed) continue
      t.same({ bytes: streamed.bytes, contentType: streamed.contentType }, { bytes: body.length, contentType })
      t.ok((await collect(streamed.body)).equals(body), `${what}: the stream yields exactly the bytes`)
    }
  })

  t.test('a missing key answers null to get, head and stream', async (t) => {
    const { store } = await open(t)
    for (const key of [newStorageKey('originals'), newStorageKey('variants', 'thumb.webp')]) {
      t.equal(await store.get(key), null)
      t.equal(await store.head(key), null)
      t.equal(await store.stream(key), null)
    }
  })

  t.test('names under one key are separate objects', async (t) => {
    const { store } = await open(t)
    const base = newStorageKey('variants')
    const thumb = namedStorageKey(base, 'thumb.webp')
    const card = namedStorageKey(base, 'card.avif')
    await store.put(thumb, Buffer.from('thumb'), 'image/webp')
    await store.put(card, Buffer.from('card!'), 'image/avif')
    t.same(await store.get(thumb), Buffer.from('thumb'))
    t.same(await store.head(card), { bytes: 5, contentType: 'image/avif' })
    t.equal(await store.get(base), null, 'the base key itself holds nothing')
    await store.delete(thumb)
    t.equal(await store.get(thumb), null)
    t.same(await store.get(card), Buffer.from('card!'), 'deleting one name leaves the other')
    await store.delete(card)
    t.equal(await store.head(card), null)
  })

  t.test('an overwrite replaces the whole object, type included', async (t) => {
    const { store } = await open(t)
    const key = newStorageKey('originals')
    await store.put(key, randomBytes(3 * MB), 'image/jpeg')
    const second = randomBytes(1000)
    await store.put(key, second, 'image/png')
    const got = await store.get(key)
    t.ok(got !== null && got.equals(second), 'get answers the second object, not a mix')
    t.same(await store.head(key), { bytes: 1000, contentType: 'image/png' })
    const streamed = await store.stream(key)
    t.ok(streamed && (await collect(streamed.body)).equals(second), 'so does stream')
  })

  t.test('delete removes the object, and deleting again (or a key never stored) is fine', async (t) => {
    const { store } = await open(t)
    const key = newStorageKey('originals')
    await store.put(key, Buffer.from('gone soon'), 'text/plain')
    await store.delete(key)
    t.equal(await store.get(key), null)
    t.equal(await store.head(key), null)
    t.equal(await store.stream(key), null)
    await store.delete(key)
    await store.delete(newStorageKey('variants', 'hero.jpeg'))
    t.pass('deleting a missing key resolves')
    await store.put(key, Buffer.from('back'), 'text/plain')
    t.same(await store.get(key), Buffer.from('back'), 'a deleted key can be written again')
  })

  t.test('concurrent puts to one key end with exactly one of them, whole; readers never see a part', async (t) => {
    const { store } = await open(t)
    for (let round = 1; round <= 4; round++) {
      const key = newStorageKey('originals')
      const first = randomBytes(MB)
      await store.put(key, first, 'image/webp')
      const bodies = Array.from({ length: 6 }, () => randomBytes(MB))
      const whole = [first, ...bodies]
      let writing = true
      const torn: number[] = []
      const reader = async () => {
        while (writing) {
          const got = await store.get(key)
          if (!got || !whole.some((body) => body.equals(got))) torn.push(got?.length ?? -1)
        }
      }
      const readers = [reader(), reader()]
      await Promise.all(bodies.map((body) => store.put(key, body, 'image/webp')))
      writing = false
      await Promise.all(readers)
      t.same(torn, [], `round ${round}: every read during the writes was one whole object`)
      const final = await store.get(key)
      t.equal(bodies.filter((body) => final?.equals(body)).length, 1, `round ${round}: one writer's bytes, whole`)
      t.same(await store.head(key), { bytes: MB, contentType: 'image/webp' })
    }
  })

  t.test('every method refuses a hostile key before any I/O', async (t) => {
    const { store, footprint } = await open(t)
    const before = await footprint()
    const body = Buffer.from('payload')
    for (const [what, key] of HOSTILE_KEYS) {
      const calls: [string, () => Promise<unknown>][] = [
        ['put', () => store.put(key as string, body, 'image/png')],
        ['get', () => store.get(key as string)],
        ['stream', () => store.stream(key as string)],
        ['head', () => store.head(key as string)],
        ['delete', () => store.delete(key as string)],
      ]
      for (const [method, call] of calls) {
        const error = await rejection(call())
        t.ok(error instanceof StorageKeyError, `${method}: ${what}`)
      }
    }
    t.same(await footprint(), before, 'the backend was not touched')
    t.notOk(existsSync('/abs'), 'nothing at /abs')
  })

  t.test('put refuses a body that is not a Buffer and a type that could not be a header', async (t) => {
    const { store, footprint } = await open(t)
    const before = await footprint()
    const key = newStorageKey('originals')
    for (const contentType of ['image/png\r\nX-Evil: 1', 'image/png; charset=utf-8', 'IMAGE/PNG', 'png', '']) {
      const error = await rejection(store.put(key, Buffer.from('x'), contentType))
      t.ok(error instanceof TypeError, `type ${JSON.stringify(contentType)} refused`)
    }
    const error = await rejection(store.put(key, 'text' as unknown as Buffer, 'text/plain'))
    t.ok(error instanceof TypeError, 'a string body refused')
    t.same(await footprint(), before, 'the backend was not touched')
  })
}

// ---------------------------------------------------------------------------------------------
// Keys

t.test('newStorageKey: 10,000 keys, all different, all accepted, with at least 128 random bits', async (t) => {
  const keys = Array.from({ length: 10_000 }, (_, i) => newStorageKey(i % 2 ? 'originals' : 'variants'))
  t.equal(new Set(keys).size, keys.length, 'no key repeats')
  t.ok(
    keys.every((key) => /^(originals|variants)\/[A-Za-z0-9_-]{24}$/.test(key)),
    'each is a kind and 24 base64url characters',
  )
  t.equal(keys.filter((key) => !accepted(key)).length, 0, 'assertStorageKey accepts every one')

  // The random part decodes to 18 bytes; over 10,000 keys every one of its 144 bits must be set
  // in about half of them (±6σ), so none is fixed, counted or taken from the clock.
  const parts = keys.map((key) => Buffer.from(key.split('/')[1]!, 'base64url'))
  t.ok(
    parts.every((bytes) => bytes.length === 18),
    '18 bytes each',
  )
  const ones = new Array<number>(144).fill(0)
  for (const bytes of parts) {
    for (let bit = 0; bit < 144; bit++) ones[bit]! += (bytes[bit >> 3]! >> (7 - (bit & 7))) & 1
  }
  const skewed = ones.map((n, bit) => [bit, n]).filter(([, n]) => Math.abs(n! - 5000) > 300)
  t.same(skewed, [], 'each of the 144 bits (128 needed) is set in 4,700 to 5,300 of 10,000 keys')
})

t.test('named keys: a name from the allowed shape under a bare key, nothing else', async (t) => {
  const base = newStorageKey('variants')
  t.equal(namedStorageKey(base, 'thumb.webp'), `${base}/thumb.webp`)
  t.match(newStorageKey('variants', 'card.avif'), /^variants\/[A-Za-z0-9_-]{24}\/card\.avif$/)
  for (const name of ['../x.webp', 'thumb', 'Thumb.webp', 'a.b.webp', '.webp', 'thumb.', 'th umb.webp', 'a/b.webp']) {
    t.throws(() => namedStorageKey(base, name), StorageKeyError, `name ${JSON.stringify(name)} refused`)
  }
  t.throws(() => namedStorageKey(`${base}/thumb.webp`, 'card.avif'), StorageKeyError, 'no name under a name')
  t.throws(() => namedStorageKey('../x', 'card.avif'), StorageKeyError, 'no name under a hostile base')
  t.throws(() => newStorageKey('secrets' as 'originals'), StorageKeyError, 'only the known kinds')
})

t.test('assertStorageKey refuses every hostile key, without repeating it', async (t) => {
  for (const [what, key] of HOSTILE_KEYS) {
    try {
      assertStorageKey(key)
      t.fail(`${what} accepted`)
    } catch (error) {
      t.ok(error instanceof StorageKeyError, what)
      t.match((error as Error).message, /^(invalid storage key|storage key is not a string)$/, 'a fixed message')
    }
  }
  t.doesNotThrow(() => assertStorageKey(`originals/${RANDOM}`))
  t.doesNotThrow(() => assertStorageKey(`variants/${'-_'.repeat(12)}/full-2x.jpeg`))
})

function accepted(key: string): boolean {
  try {
    assertStorageKey(key)
    return true
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------
// The disk driver

/** A store rooted at `<fresh temp dir>/media`: the temp dir is the root's parent, watched too. */
async function openDisk(t: Test) {
  const parent = await tempDir(t, 'broadsheet-storage-')
  const root = path.join(parent, 'media')
  const store = openStore({ driver: 'disk', root })
  t.teardown(() => store.close())
  return { store, root, parent, footprint: () => tree(parent) }
}

t.test('disk driver', async (t) => {
  storeSuite(t, openDisk)

  t.test('a temporary store removes its directory at close; a lasting one keeps it', async (t) => {
    const temporaryRoot = path.join(await tempDir(t, 'broadsheet-store-'), 'media')
    const lastingRoot = path.join(await tempDir(t, 'broadsheet-store-'), 'media')
    const temporary = openStore({ driver: 'disk', root: temporaryRoot, temporary: true })
    const lasting = openStore({ driver: 'disk', root: lastingRoot })
    for (const store of [temporary, lasting]) await store.put(newStorageKey('originals'), randomBytes(10), 'image/png')
    t.ok(existsSync(temporaryRoot) && existsSync(lastingRoot), 'both written')
    await temporary.close()
    await lasting.close()
    t.notOk(existsSync(temporaryRoot), 'the temporary directory is gone')
    t.ok(existsSync(lastingRoot), 'the lasting one stays')
  })

  t.test('no temporary files remain; directories are 0700 and files 0600', async (t) => {
    const { store, root } = await openDisk(t)
    const original = newStorageKey('originals')
    const variant = newStorageKey('variants', 'thumb.webp')
    await store.put(original, randomBytes(1000), 'image/jpeg')
    await store.put(original, randomBytes(2000), 'image/jpeg')
    await Promise.all([1, 2, 3].map(() => store.put(variant, randomBytes(500), 'image/webp')))
    const [, originalId] = original.split('/')
    const [, variantId] = variant.split('/')
    t.same(await tree(root), [
      `originals/`,
      `originals/${originalId} 2000`,
      `originals/${originalId}.type 10`,
      `variants/`,
      `variants/${variantId}/`,
      `variants/${variantId}/thumb.webp 500`,
      `variants/${variantId}/thumb.webp.type 10`,
    ])
    const modes: Record<string, string> = {}
    for (const entry of ['', 'originals', `originals/${originalId}`, `originals/${originalId}.type`]) {
      modes[entry] = ((await lstat(path.join(root, entry))).mode & 0o777).toString(8)
    }
    for (const entry of ['variants', `variants/${variantId}`, `${variant}`, `${variant}.type`]) {
      modes[entry] = ((await lstat(path.join(root, entry))).mode & 0o777).toString(8)
    }
    t.same(modes, {
      '': '700',
      originals: '700',
      [`originals/${originalId}`]: '600',
      [`originals/${originalId}.type`]: '600',
      variants: '700',
      [`variants/${variantId}`]: '700',
      [variant]: '600',
      [`${variant}.type`]: '600',
    })
    t.equal(await readFile(path.join(root, `${original}.type`), 'utf8'), 'image/jpeg', 'the sidecar holds the type')
  })

  t.test('a put that fails leaves no temporary file and answers StorageError', async (t) => {
    const { store, root } = await openDisk(t)
    const key = newStorageKey('originals')
    // A directory where the object's file should go: the rename over it fails (EISDIR), after
    // the temporary files were written. (A read-only root would not do: the tests may run as root.)
    await mkdir(path.join(root, key), { recursive: true })
    const error = await rejection(store.put(key, randomBytes(4000), 'image/jpeg'))
    t.ok(error instanceof StorageError, 'StorageError')
    t.match(error, { driver: 'disk', operation: 'put', message: 'disk storage: put failed' })
    t.same(
      (await tree(root)).filter((entry) => entry.includes('.tmp')),
      [],
      'no temporary file left',
    )
    t.equal(await store.get(key), null, 'a directory at the key is no object')
    t.equal(await store.head(key), null)
  })

  t.test('a symlink under the root is not followed', async (t) => {
    const { store, root, parent } = await openDisk(t)
    const outside = path.join(parent, 'outside.txt')
    await writeFile(outside, 'outside')
    const key = newStorageKey('originals')
    await mkdir(path.join(root, 'originals'), { recursive: true })
    await symlink(outside, path.join(root, key))
    await writeFile(path.join(root, `${key}.type`), 'text/plain')
    const error = await rejection(store.get(key))
    t.ok(error instanceof StorageError, 'reading through a planted symlink fails')
    await store.put(key, Buffer.from('inside'), 'text/plain')
    t.equal(await readFile(outside, 'utf8'), 'outside', 'a put replaces the link, not its target')
    t.same(await store.get(key), Buffer.from('inside'))
  })

  t.test('paths are checked to lie inside the root even past the key check', async (t) => {
    const root = path.resolve('/srv/media')
    t.equal(resolveInside(root, `originals/${RANDOM}`), path.join(root, 'originals', RANDOM))
    for (const key of ['../x', 'originals/../../x', '/etc/passwd', '.', '', 'originals/..', '..']) {
      t.throws(() => resolveInside(root, key), StorageKeyError, JSON.stringify(key))
    }
  })

  t.test('deleting the last named object removes its directory', async (t) => {
    const { store, root } = await openDisk(t)
    const base = newStorageKey('variants')
    await store.put(namedStorageKey(base, 'thumb.webp'), Buffer.from('a'), 'image/webp')
    await store.put(namedStorageKey(base, 'card.webp'), Buffer.from('b'), 'image/webp')
    await store.delete(namedStorageKey(base, 'thumb.webp'))
    t.ok(existsSync(path.join(root, base)), 'kept while a name remains')
    await store.delete(namedStorageKey(base, 'card.webp'))
    t.notOk(existsSync(path.join(root, base)), 'removed with the last one')
    t.same(await tree(root), ['variants/'])
  })

  t.test('nothing is created before the first put', async (t) => {
    const { store, root } = await openDisk(t)
    t.equal(await store.get(newStorageKey('originals')), null)
    await store.delete(newStorageKey('originals'))
    t.notOk(existsSync(root), 'no root directory yet')
  })
})

// ---------------------------------------------------------------------------------------------
// The S3 driver, against s3rver

function s3Options(s3: LocalS3, extra: Partial<S3StoreOptions> = {}): S3StoreOptions {
  return {
    driver: 's3',
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    forcePathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    ...extra,
  }
}

t.test('S3 driver (s3rver)', async (t) => {
  const s3 = await startLocalS3()
  t.teardown(() => s3.close())
  const openS3 = async (t: Test, extra: Partial<S3StoreOptions> = {}) => {
    const store = openStore(s3Options(s3, extra))
    t.teardown(() => store.close())
    return { store, footprint: async () => ({ requests: s3.requests.length, files: await tree(s3.directory) }) }
  }

  storeSuite(t, openS3)

  t.test('uploads carry Content-MD5 and none of the flexible checksums; downloads ask for none', async (t) => {
    const { store } = await openS3(t)
    const key = newStorageKey('originals')
    const body = randomBytes(200_000)
    const first = s3.requests.length
    await store.put(key, body, 'image/jpeg')
    await store.get(key)
    const [put, get] = s3.requests.slice(first)
    t.equal(put?.method, 'PUT')
    t.equal(put?.url.split('?')[0], `/${s3.bucket}/${key}`, 'path style, the key as given')
    t.equal(put?.headers['content-md5'], createHash('md5').update(body).digest('base64'))
    t.equal(put?.headers['content-type'], 'image/jpeg')
    t.equal(put?.headers['content-length'], String(body.length))
    t.notOk(put?.headers['content-encoding'], 'not aws-chunked')
    t.notMatch(String(put?.headers['x-amz-content-sha256']), /^STREAMING-/, 'no streaming (chunked) payload')
    const checksumHeaders = (headers: Record<string, unknown> = {}) =>
      Object.keys(headers).filter((name) => /^x-amz-(sdk-)?checksum|^x-amz-trailer/.test(name))
    t.same(checksumHeaders(put?.headers), [], 'no x-amz-checksum-* on the PUT')
    t.equal(get?.method, 'GET')
    t.same(checksumHeaders(get?.headers), [], 'no x-amz-checksum-mode on the GET')
  })

  t.test('a prefix places every key under it, and only there', async (t) => {
    const { store: prefixed } = await openS3(t, { prefix: 'site-a' })
    const { store: bare } = await openS3(t)
    const key = newStorageKey('originals')
    const first = s3.requests.length
    await prefixed.put(key, Buffer.from('prefixed'), 'text/plain')
    t.equal(s3.requests[first]?.url.split('?')[0], `/${s3.bucket}/site-a/${key}`)
    t.same(await prefixed.get(key), Buffer.from('prefixed'))
    t.equal(await bare.get(key), null, 'not at the bare key')
    t.ok((await rejection(bare.get(`site-a/${key}`))) instanceof StorageKeyError, 'the prefix is no part of a key')
    for (const prefix of ['../x', '/abs', 'a//b', 'a/./b', 'a b', 'é']) {
      t.throws(() => openStore(s3Options(s3, { prefix })), TypeError, `prefix ${JSON.stringify(prefix)} refused`)
    }
  })

  t.test('a missing bucket is an error, not a missing object', async (t) => {
    const { store } = await openS3(t, { bucket: 'no-such-bucket' })
    const error = await rejection(store.get(newStorageKey('originals')))
    t.ok(error instanceof StorageError, 'StorageError')
    t.match(error, { driver: 's3', operation: 'get', cause: { name: 'NoSuchBucket' } })
    t.match(await rejection(store.put(newStorageKey('originals'), Buffer.from('x'), 'text/plain')), {
      operation: 'put',
      cause: { name: 'NoSuchBucket' },
    })
  })

  t.test('credentials the service refuses are an error', async (t) => {
    // (s3rver checks the access key id but not SigV4 signatures, so a wrong secret would pass here.)
    const { store } = await openS3(t, { accessKeyId: 'NOBODY' })
    t.match(await rejection(store.get(newStorageKey('originals'))), {
      name: 'StorageError',
      cause: { name: 'InvalidAccessKeyId' },
    })
  })

  t.test('an endpoint that never answers fails within the request timeout', async (t) => {
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => {
      sockets.add(socket)
      socket.resume()
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    t.teardown(async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    })
    const address = silent.address() as { port: number }
    const { store } = await openS3(t, { endpoint: `http://127.0.0.1:${address.port}`, requestTimeoutMs: 300 })
    const started = Date.now()
    const error = await rejection(store.head(newStorageKey('originals')))
    const took = Date.now() - started
    t.match(error, { name: 'StorageError', operation: 'head', cause: { name: 'TimeoutError' } })
    t.ok(took >= 300 && took < 5_000, `failed after ${took} ms (two attempts of 300 ms, and a backoff)`)
  })
})
