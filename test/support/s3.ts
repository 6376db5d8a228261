import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises'
import type { IncomingHttpHeaders, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'

/**
 * A local S3-compatible server for the S3 driver's tests: s3rver (a Koa app that keeps buckets
 * in a directory) in this process, on a port the OS picks, with a fresh directory and one
 * bucket. No Docker, no network: `close()` stops it and removes its directory.
 *
 * s3rver 3.7.1 writes an upload straight into the object's file and answers before that
 * write has finished, so two PUTs of one key interleave their bytes and a GET right after a
 * PUT may read a short file. Real S3, MinIO and R2 commit a PUT atomically ("never a partial
 * object"), and the storage suite checks exactly that promise, so this helper gives the test
 * server the same semantics: each upload is written to a temporary file, closed, then renamed
 * over the object (see `atomicPuts`). Everything else (routing, signatures, metadata,
 * HEAD/GET/DELETE, errors) is s3rver's own.
 */

export interface LocalS3 {
  endpoint: string
  bucket: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  /** Every request the server received, in order: what the tests check the driver sent. */
  requests: ReceivedRequest[]
  /** The directory s3rver keeps its buckets in (objects of `bucket` are below `<directory>/<bucket>`). */
  directory: string
  close(): Promise<void>
}

export interface ReceivedRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

/** The part of s3rver's API used here (the package ships no types). */
interface S3rverInstance {
  run(): Promise<AddressInfo>
  close(): Promise<void>
  httpServer: Server
  store: S3rverStore
}

interface S3rverStore {
  getResourcePath(bucket: string, key: string, resource: string): string
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>
  putObject(object: S3rverObject): Promise<{ size: number; md5: string }>
}

interface S3rverObject {
  bucket: string
  key: string
  content: Readable | Buffer
  metadata: Record<string, string>
}

type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance

/** s3rver's own default account (models/account.js): it accepts requests signed with these. */
const ACCESS_KEY_ID = 'S3RVER'
const SECRET_ACCESS_KEY = 'S3RVER'

export async function startLocalS3(bucket = 'broadsheet-media'): Promise<LocalS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor
  const directory = await mkdtemp(path.join(tmpdir(), 'broadsheet-s3rver-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  })
  atomicPuts(server.store)
  let address: AddressInfo
  try {
    address = await server.run()
  } catch (error) {
    await rm(directory, { recursive: true, force: true })
    throw error
  }
  const requests: ReceivedRequest[] = []
  server.httpServer.on('request', (req: { method?: string; url?: string; headers: IncomingHttpHeaders }) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
  })
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket,
    region: 'us-east-1',
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    requests,
    directory,
    async close() {
      // The SDK keeps connections alive; without this, close() would wait for them to idle out.
      server.httpServer.closeAllConnections()
      await server.close()
      await rm(directory, { recursive: true, force: true })
    },
  }
}

/**
 * Replaces the store's putObject with one that commits like S3: the body and the metadata go to
 * temporary files beside the object's and are renamed over them only once completely written
 * (the metadata first, as the disk driver does with its sidecar: a reader that finds the object
 * finds its type), and the answer waits for that. Uploads of one key commit one after another,
 * so the last one wins, whole.
 */
function atomicPuts(store: S3rverStore): void {
  const commits = new Map<string, Promise<unknown>>()
  store.putObject = async (object) => {
    const file = store.getResourcePath(object.bucket, object.key, 'object')
    await mkdir(path.dirname(file), { recursive: true })
    const temp = `${file}.${randomBytes(8).toString('hex')}.upload`
    const md5 = createHash('md5')
    let size = 0
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        md5.update(chunk)
        size += chunk.length
        done(null, chunk)
      },
    })
    try {
      const source = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content
      await pipeline(source, count, createWriteStream(temp))
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
    const digest = md5.digest('hex')
    const commit = serially(commits, file, async () => {
      // s3rver's own putMetadata (it picks the headers to keep) under a key nobody reads, then
      // renamed into place.
      const scratchKey = `${object.key}.${randomBytes(8).toString('hex')}.upload`
      await store.putMetadata(object.bucket, scratchKey, object.metadata, digest)
      for (const resource of ['metadata.json', 'object.md5']) {
        await rename(
          store.getResourcePath(object.bucket, scratchKey, resource),
          store.getResourcePath(object.bucket, object.key, resource),
        )
      }
      await rename(temp, file)
    })
    await commit
    return { size, md5: digest }
  }
}

/** Runs `work` after every earlier work queued under `name` has settled. */
function serially(queues: Map<string, Promise<unknown>>, name: string, work: () => Promise<void>): Promise<void> {
  const run = (queues.get(name) ?? Promise.resolve()).then(work)
  const settled = run.catch(() => {})
  queues.set(name, settled)
  void settled.then(() => {
    if (queues.get(name) === settled) queues.delete(name)
  })
  return run
}
