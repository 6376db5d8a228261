import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { ConfigError, type Config } from '../config.js'
import type { Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { isForeignKeyViolation } from '../db/errors.js'
import { paginate, type CursorCodec } from '../db/paging.js'
import * as q from '../db/queries/media.js'
import { ProblemError, Problems } from '../errors.js'
import { ImageRefused, inspectImage, type IntakeLimits } from '../media/intake.js'
import { FORMAT_MIME_TYPES, parseVariantFile, renderVariant } from '../media/variants.js'
import type { ListMediaQuery, Media, MediaList, UpdateMedia, UploadFields } from '../schemas/media.js'
import { StorageError, newStorageKey, openStore, type ObjectStore } from '../storage/store.js'
import { isStaff } from './access.js'
import type { Versioned } from './common.js'
import { toMedia as mediaView } from './media-view.js'
import type { Site } from './site.js'

export type VersionedMedia = Versioned<Media>

const notFound = () => Problems.notFound('No such media item.')

/**
 * A store that fails (a bucket out of reach, a full disk) answers 503 with Retry-After, as a
 * database that is down does; the driver's error stays the cause, for the log.
 */
async function fromStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof StorageError)) throw error
    const problem = Problems.unavailable('The media store is not reachable right now; try again shortly.')
    problem.cause = error
    throw problem
  }
}

/** A variant as the delivery route sends it. */
export interface VariantFile {
  bytes: Buffer
  mimeType: string
  /** A strong validator of these very bytes. */
  etag: string
  /** Whether anyone may see it (a shared cache may keep it). */
  public: boolean
  /** Whether the request named the item's current crops (`?v=`: the URL the API hands out). */
  current: boolean
  /** Send as a download only (`Content-Disposition: attachment`): an SVG item's own file. */
  download?: string
}

export interface MediaServiceOptions {
  cursors: () => Promise<CursorCodec>
  store: ObjectStore
  limits: IntakeLimits
  site: Pick<Site, 'serverUrl'>
}

/**
 * An image refused at intake, as the problem the API answers: 415 for a type not allowed, 413
 * over the byte or pixel limit, 422 for what does not decode; the detail names the limit.
 */
export function refusal(error: ImageRefused): ProblemError {
  switch (error.kind) {
    case 'unsupported-type':
      return new ProblemError('UNSUPPORTED_MEDIA_TYPE', error.message)
    case 'too-large':
    case 'too-many-pixels':
      return new ProblemError('PAYLOAD_TOO_LARGE', error.message)
    default:
      return new ProblemError('IMAGE_UNREADABLE', error.message)
  }
}

/** `x,y` of an upload's focalPoint field (already matched against its pattern). */
function focalOf(text: string | undefined): { focalX: number; focalY: number } {
  if (text === undefined) return { focalX: 0.5, focalY: 0.5 }
  const [x, y] = text.split(',').map((part) => Number(part.trim()))
  return { focalX: x!, focalY: y! }
}

/**
 * The store MEDIA_STORAGE names: a directory (MEDIA_DIR, else DATA_DIR/media; with the in-memory
 * database, a temporary directory removed at close) or an S3-compatible bucket.
 */
export function openMediaStore(
  config: Pick<
    Config,
    | 'MEDIA_STORAGE'
    | 'MEDIA_DIR'
    | 'DATA_DIR'
    | 'S3_BUCKET'
    | 'S3_REGION'
    | 'S3_ENDPOINT'
    | 'S3_FORCE_PATH_STYLE'
    | 'S3_ACCESS_KEY_ID'
    | 'S3_SECRET_ACCESS_KEY'
    | 'S3_PREFIX'
  >,
): ObjectStore {
  if (config.MEDIA_STORAGE === 's3') {
    if (!config.S3_BUCKET) throw new ConfigError('Invalid configuration: MEDIA_STORAGE=s3 needs S3_BUCKET')
    if ((config.S3_ACCESS_KEY_ID === undefined) !== (config.S3_SECRET_ACCESS_KEY === undefined)) {
      throw new ConfigError('Invalid configuration: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together')
    }
    return openStore({
      driver: 's3',
      bucket: config.S3_BUCKET,
      region: config.S3_REGION,
      forcePathStyle: config.S3_FORCE_PATH_STYLE,
      ...(config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT } : {}),
      ...(config.S3_ACCESS_KEY_ID ? { accessKeyId: config.S3_ACCESS_KEY_ID } : {}),
      ...(config.S3_SECRET_ACCESS_KEY ? { secretAccessKey: config.S3_SECRET_ACCESS_KEY } : {}),
      ...(config.S3_PREFIX ? { prefix: config.S3_PREFIX } : {}),
    })
  }
  if (config.MEDIA_DIR) return openStore({ driver: 'disk', root: path.resolve(config.MEDIA_DIR) })
  if (!config.DATA_DIR.startsWith('memory://')) {
    return openStore({ driver: 'disk', root: path.resolve(config.DATA_DIR, 'media') })
  }
  return openStore({ driver: 'disk', root: mkdtempSync(path.join(tmpdir(), 'broadsheet-media-')), temporary: true })
}

export function createMediaService(db: Database, options: MediaServiceOptions) {
  const { cursors, store, limits, site } = options

  const toMedia = (row: q.MediaRow): Media => mediaView(row, site.serverUrl)

  /** The item a write targets: 404 when unknown, 403 when an author token did not upload it. */
  async function writable(principal: Principal, id: string): Promise<q.MediaRow> {
    const row = await q.findMedia(db.query, id)
    if (!row) throw notFound()
    if (!isStaff(principal) && !(principal.kind === 'token' && principal.tokenId === row.uploadedBy)) {
      throw Problems.forbidden('An author token may change only the media it uploaded.')
    }
    return row
  }

  /** Removes stored objects the database no longer refers to; a failure leaves an orphan, never a dangling row. */
  async function forget(keys: readonly string[]): Promise<void> {
    await Promise.allSettled(keys.map((key) => store.delete(key)))
  }

  return {
    toMedia,

    /**
     * Checks the bytes (type by content, limits, a full decode), stores the oriented and
     * stripped original under a new key, then records it. Nothing is stored for a refused file;
     * a failed insert removes the stored object again.
     */
    async upload(principal: Principal, file: Buffer, fields: UploadFields): Promise<VersionedMedia> {
      let image
      try {
        image = await inspectImage(file, limits)
      } catch (error) {
        if (error instanceof ImageRefused) throw refusal(error)
        throw error
      }
      const storageKey = newStorageKey('originals')
      await fromStore(() => store.put(storageKey, image.bytes, image.mimeType))
      try {
        const row = await q.insertMedia(db.query, {
          storageKey,
          mimeType: image.mimeType,
          width: image.width,
          height: image.height,
          bytes: image.bytes.length,
          alt: fields.alt ?? '',
          caption: fields.caption ?? '',
          credit: fields.credit ?? '',
          license: fields.license ?? '',
          ...focalOf(fields.focalPoint),
          placeholderColor: image.placeholder.color,
          thumbhash: image.placeholder.thumbhash,
          public: fields.public === 'true',
          uploadedBy: principal.kind === 'token' ? principal.tokenId : null,
        })
        return { resource: toMedia(row), version: row.version }
      } catch (error) {
        await forget([storageKey])
        throw error
      }
    },

    /** A page of the library (tokens only: the route requires one). */
    async list(query: ListMediaQuery): Promise<MediaList> {
      const codec = await cursors()
      const pagination = paginate(q.mediaListSpec, query, codec)
      const { rows, meta } = await q.listMedia(
        db.query,
        { q: query.q, mimeType: query.mimeType, public: query.public },
        { pagination, codec },
      )
      return { data: rows.map(toMedia), meta }
    },

    /** One item: any for a token, a public one for everyone else. */
    async get(principal: Principal, id: string): Promise<VersionedMedia> {
      const row = await q.findMedia(db.query, id, { publicOnly: principal.kind !== 'token' })
      if (!row) throw notFound()
      return { resource: toMedia(row), version: row.version }
    },

    async update(
      principal: Principal,
      id: string,
      expected: number | '*',
      input: UpdateMedia,
    ): Promise<VersionedMedia> {
      const row = await writable(principal, id)
      const { focalPoint, ...text } = input
      const change = () =>
        q.updateMedia(
          db.query,
          row.id,
          { ...text, ...(focalPoint ? { focalX: focalPoint.x, focalY: focalPoint.y } : {}) },
          expected,
        )
      // Clearing the alt text of a published or scheduled article's cover is refused: the item is
      // locked first, so a publish that locked it (services/articles.ts) has committed, and the
      // look for such articles that follows sees it.
      const updated =
        text.alt !== undefined && text.alt.trim() === ''
          ? await db.transaction(async () => {
              await q.lockMediaForChange(db.query, row.id)
              if (await q.illustratesPublication(db.query, row.id)) {
                throw new ProblemError(
                  'ALT_TEXT_REQUIRED',
                  'A published or scheduled article uses this image as its cover: its alt text cannot be empty.',
                )
              }
              return change()
            })
          : await change()
      if (!updated) {
        if (!(await q.findMedia(db.query, row.id))) throw notFound()
        throw Problems.preconditionFailed()
      }
      await forget(updated.staleKeys)
      return { resource: toMedia(updated), version: updated.version }
    },

    async remove(principal: Principal, id: string, expected: number | '*' | undefined): Promise<void> {
      const row = await writable(principal, id)
      let keys: string[] | undefined
      try {
        keys = await q.deleteMedia(db.query, row.id, { expected })
      } catch (error) {
        if (isForeignKeyViolation(error)) {
          throw new ProblemError('REFERENCE_CONFLICT', 'The image is in use; remove it from what uses it first.')
        }
        throw error
      }
      if (!keys) throw Problems.preconditionFailed()
      await forget(keys)
    },

    /**
     * A variant's bytes: from storage when it was made before, otherwise made now from the
     * stored original (cropped around the focal point), stored and recorded. Two first requests
     * at once both make it; one record wins and the other's object is removed.
     */
    async variant(
      principal: Principal,
      id: string,
      file: string,
      requestedVersion: number | undefined,
    ): Promise<VariantFile> {
      // `<variant>.<format>` or `original.svg`: the route's pattern has checked it; anything else is no such file.
      const wanted = parseVariantFile(file)
      if (!wanted && file !== 'original.svg') throw notFound()
      const row = await q.findMedia(db.query, id, { publicOnly: principal.kind !== 'token' })
      if (!row) throw notFound()
      const answer = (bytes: Buffer, mimeType: string): VariantFile => ({
        bytes,
        mimeType,
        etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`,
        public: row.publiclyVisible === true,
        current: requestedVersion === row.cropVersion,
      })
      if (!wanted) {
        // An SVG is the one original ever sent, and only as a download: inline, a browser would
        // run it as a document of this origin. Raster originals stay private (their variants
        // are the public form).
        if (row.mimeType !== 'image/svg+xml') throw notFound()
        const svg = await fromStore(() => store.get(row.storageKey))
        if (!svg) throw Problems.internal()
        return { ...answer(svg, 'image/svg+xml'), download: `${row.id}.svg` }
      }
      const { variant, format } = wanted
      const stored = await q.findVariant(db.query, row.id, variant, format)
      if (stored) {
        const bytes = await fromStore(() => store.get(stored.storageKey))
        if (bytes) return answer(bytes, FORMAT_MIME_TYPES[format])
        // Recorded but gone from the store (a restore from an older backup, a bucket lifecycle
        // rule): made again below under the same key, so the record is true again.
      }
      const original = await fromStore(() => store.get(row.storageKey))
      if (!original) throw Problems.internal()
      const made = await renderVariant(original, variant, format, { x: row.focalX, y: row.focalY })
      const storageKey = stored?.storageKey ?? newStorageKey('variants')
      await fromStore(() => store.put(storageKey, made.bytes, made.mimeType))
      if (!stored) {
        const recorded = await q.insertVariant(
          db.query,
          {
            mediaId: row.id,
            variant,
            format,
            storageKey,
            width: made.width,
            height: made.height,
            bytes: made.bytes.length,
          },
          row.cropVersion,
        )
        if (!recorded) await forget([storageKey])
      }
      return answer(made.bytes, made.mimeType)
    },
  }
}

export type MediaService = ReturnType<typeof createMediaService>
