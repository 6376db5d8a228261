import multipart from '@fastify/multipart'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { createHash } from 'node:crypto'
import { Type } from 'typebox'
import { Value } from 'typebox/value'
import type { Config } from '../../config.js'
import { ProblemError, Problems, type FieldError } from '../../errors.js'
import { IdParamsSchema, NoBody, described, problems, ref } from '../../schemas/common.js'
import {
  ListMediaQuerySchema,
  MediaFileParamsSchema,
  MediaFileQuerySchema,
  MediaListSchema,
  MediaSchema,
  UpdateMediaSchema,
  UploadFieldsSchema,
  UploadMediaSchema,
  type Media,
  type UploadFields,
} from '../../schemas/media.js'
import { FORBIDDEN_TEXT } from '../../schemas/text.js'
import { keys } from '../../services/common.js'
import { dependsOn, linkNext, sendVersioned, smallBody } from '../http.js'
import { sections, security, writers } from '../common.js'

/** An upload as the route read it: the file's bytes and the text fields beside it. */
interface Upload {
  file: Buffer
  fields: UploadFields
}
const uploads = new WeakMap<FastifyRequest, Upload>()

/**
 * Reads a multipart upload before anything else looks at the request: exactly one file part
 * named `file`, at most MEDIA_MAX_BYTES (413 past it, mid-stream), and the text fields, checked
 * like a JSON body (400 naming each bad field). What the Idempotency-Key's fingerprint sees
 * (`request.body`) is the file's SHA-256 and the fields, not 25 MB of JSON.
 */
async function readUpload(request: FastifyRequest): Promise<void> {
  if (
    request.headers['content-type'] === undefined &&
    !request.headers['content-length'] &&
    !request.headers['transfer-encoding']
  ) {
    throw Problems.validation([{ path: '/body', message: 'is required: multipart/form-data with the image in `file`' }])
  }
  if (!request.isMultipart()) {
    throw new ProblemError('UNSUPPORTED_MEDIA_TYPE', 'Uploads are multipart/form-data with the image in a `file` part.')
  }
  let file: Buffer | undefined
  const fields: Record<string, string> = {}
  const errors: FieldError[] = []
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== 'file' || file !== undefined) {
        await part.toBuffer().catch(() => undefined)
        errors.push({ path: `/body/${part.fieldname}`, message: 'only one file part, named `file`, is accepted' })
        continue
      }
      // The file name and the declared type are ignored: the bytes decide (services/media.ts).
      file = await part.toBuffer()
    } else if (typeof part.value === 'string') {
      if (FORBIDDEN_TEXT.test(part.value) || FORBIDDEN_TEXT.test(part.fieldname)) {
        errors.push({
          path: `/body/${part.fieldname}`,
          message: 'must be text without NUL characters or unpaired surrogates',
        })
      } else if (part.fieldname in fields) {
        errors.push({ path: `/body/${part.fieldname}`, message: 'is given more than once' })
      } else {
        fields[part.fieldname] = part.value
      }
    }
  }
  if (file === undefined) errors.push({ path: '/body/file', message: 'is required' })
  for (const error of Value.Errors(UploadFieldsSchema, fields)) {
    if (errors.length >= 20) break
    if (error.keyword === 'additionalProperties') {
      // Named one by one: the fields not in the schema.
      for (const name of Object.keys(fields).filter((n) => !(n in UploadFieldsSchema.properties))) {
        errors.push({ path: `/body/${name}`, message: 'is not a field of an upload' })
      }
      continue
    }
    errors.push({ path: `/body${error.instancePath}`, message: error.message })
  }
  if (errors.length > 0) throw Problems.validation(errors)
  uploads.set(request, { file: file!, fields: fields as UploadFields })
  request.body = { file: createHash('sha256').update(file!).digest('hex'), ...fields }
}

const mediaRoutes: FastifyPluginAsyncTypebox<{ config: Config }> = async (app, { config }) => {
  // Multipart is parsed on this plugin's routes only: every other route still answers 415 to it.
  await app.register(multipart, {
    limits: { fileSize: config.MEDIA_MAX_BYTES, files: 1, fields: 10, fieldSize: 4096, parts: 12, headerPairs: 100 },
  })

  app.post(
    '/media',
    {
      preParsing: app.requireRole(...writers),
      preValidation: readUpload,
      config: { etag: 'strong', multipartBody: UploadMediaSchema, quota: app.uploadQuota },
      schema: {
        tags: sections.media,
        security,
        operationId: 'uploadMedia',
        summary: 'Upload an image (author, editor, admin)',
        description:
          'The type is decided by the bytes (JPEG, PNG, WebP, AVIF, GIF; else 415), size and pixels are limited ' +
          '(413), the image must decode (422); a refused file stores nothing. The original is turned upright and ' +
          'stripped of all metadata (EXIF, GPS, XMP, IPTC); the file name is ignored. MEDIA_UPLOADS_PER_HOUR per token.',
        response: {
          201: Type.Unsafe<Media>({
            ...ref(MediaSchema),
            description: 'The stored image',
            headers: {
              Location: {
                type: 'string',
                pattern: '^/api/v1/media/[0-9a-f-]{36}$',
                description: 'Path of the new media item.',
              },
            },
          }),
          ...problems(400, 401, 403, 413, 415, 422),
        },
      },
    },
    async (request, reply) => {
      const upload = uploads.get(request)
      if (!upload) throw Problems.internal()
      const created = await app.services.media.upload(request.principal, upload.file, upload.fields)
      reply.code(201).header('location', `/api/v1/media/${created.resource.id}`)
      return sendVersioned(reply, created)
    },
  )

  app.get(
    '/media',
    {
      preParsing: app.requireRole('admin', 'editor', 'author', 'viewer'),
      config: { etag: 'weak' },
      schema: {
        tags: sections.media,
        security,
        operationId: 'listMedia',
        summary: 'List the media library (any token)',
        description: 'Newest first by default. `q` searches the alt text, caption and credit.',
        querystring: ListMediaQuerySchema,
        response: {
          200: described(MediaListSchema, 'A page of media, with paging metadata'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 403),
        },
      },
    },
    async (request, reply) => {
      const list = await app.services.media.list(request.query)
      linkNext(reply, request.url, list.meta)
      return list
    },
  )

  app.get(
    '/media/:id',
    {
      config: { etag: 'strong', surrogateKeys: true },
      schema: {
        tags: sections.media,
        security: [{}, ...security],
        operationId: 'getMedia',
        summary: 'Get a media item',
        description:
          'Any item for a token; without one, only an item marked `public`, the cover of a published article or an ' +
          "author's avatar (anything else is the same 404 as an unknown id).",
        params: IdParamsSchema,
        response: {
          200: described(MediaSchema, 'The media item'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const media = await app.services.media.get(request.principal, request.params.id)
      dependsOn(reply, keys.media(media.resource.id))
      return sendVersioned(reply, media)
    },
  )

  app.patch(
    '/media/:id',
    {
      bodyLimit: smallBody(app),
      config: { etag: 'strong', ifMatch: 'required' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.media,
        security,
        operationId: 'updateMedia',
        summary: 'Update a media item (If-Match required)',
        description:
          'Editors and admins may update any item; an author token the items it uploaded. A new focal point ' +
          're-crops the variants: their URLs change. Clearing the alt text of the cover of a published or ' +
          'scheduled article is 409 ALT_TEXT_REQUIRED.',
        params: IdParamsSchema,
        body: ref(UpdateMediaSchema),
        response: {
          200: described(MediaSchema, 'The updated media item'),
          ...problems(400, 401, 403, 404, 409, 412, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = await reply.requireIfMatch(() => app.services.media.get(request.principal, request.params.id))
      return sendVersioned(
        reply,
        await app.services.media.update(request.principal, request.params.id, expected, request.body),
      )
    },
  )

  app.delete(
    '/media/:id',
    {
      config: { ifMatch: 'optional' },
      preParsing: app.requireRole(...writers),
      schema: {
        tags: sections.media,
        security,
        operationId: 'deleteMedia',
        summary: 'Delete a media item (If-Match honoured)',
        description:
          'Editors and admins may delete any item; an author token the items it uploaded. The stored original and ' +
          'every variant go with it.',
        params: IdParamsSchema,
        response: { 204: NoBody('Deleted'), ...problems(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = await reply.ifMatch(() => app.services.media.get(request.principal, request.params.id))
      await app.services.media.remove(request.principal, request.params.id, expected)
      return reply.code(204).send()
    },
  )
}

/**
 * The image files (outside /api/v1, where `<img src>` and `srcset` point): one of the fixed
 * variants in one of the fixed formats, made on first request and then read from storage.
 * Only what the bytes are (a raster image of ours) is ever sent, never the stored original.
 */
export const mediaFileRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/media/:id/:file',
    {
      schema: {
        tags: sections.media,
        // Public items to anyone; a token also reaches private ones.
        security: [{}, ...security],
        operationId: 'getMediaFile',
        summary: 'An image variant',
        description:
          'Made on first request, then read from storage. Private items only to tokens; see `Media.variants`.',
        params: MediaFileParamsSchema,
        querystring: MediaFileQuerySchema,
        response: {
          200: Type.Unsafe({
            description: 'The image',
            headers: {
              ETag: {
                type: 'string',
                pattern: '^"[A-Za-z0-9_-]{27}"$',
                description: 'A strong validator of the bytes; send it back as If-None-Match.',
              },
              'Cache-Control': {
                type: 'string',
                description: 'A year (immutable) at the versioned URL of a public item; private for a private one.',
              },
              'X-Content-Type-Options': { type: 'string', enum: ['nosniff'] },
              'Content-Disposition': {
                type: 'string',
                pattern: '^attachment; filename="[0-9a-f-]{36}\\.svg"$',
                description: '`original.svg` only: a download, never shown inline.',
              },
              'Content-Security-Policy': { type: 'string', enum: ["default-src 'none'; sandbox"] },
            },
            content: {
              'image/webp': { schema: { type: 'string', format: 'binary' } },
              'image/avif': { schema: { type: 'string', format: 'binary' } },
              'image/jpeg': { schema: { type: 'string', format: 'binary' } },
              'image/svg+xml': { schema: { type: 'string', format: 'binary' } },
            },
          }),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 404),
        },
      },
    },
    async (request, reply) => {
      const file = await app.services.media.variant(
        request.principal,
        request.params.id,
        request.params.file,
        request.query.v,
      )
      reply
        .header('content-type', file.mimeType)
        .header('etag', file.etag)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('vary', 'Authorization')
      // The versioned URL of a public item never changes what it names: cache it for a year.
      // Any other URL of a public item briefly; a private item only in the token holder's browser.
      reply.header(
        'cache-control',
        !file.public
          ? 'private, no-cache'
          : file.current
            ? 'public, max-age=31536000, immutable'
            : 'public, max-age=60',
      )
      if (file.download) reply.header('content-disposition', `attachment; filename="${file.download}"`)
      // What a CDN purges when the item stops being public (services/cdn.ts).
      if (file.public)
        reply.header('surrogate-key', keys.media(request.params.id)).header('cache-tag', keys.media(request.params.id))
      const tags = request.headers['if-none-match']
      if (typeof tags === 'string' && tags.split(',').some((tag) => tag.trim() === file.etag || tag.trim() === '*')) {
        return reply.code(304).send()
      }
      return reply.send(file.bytes)
    },
  )
}

export default mediaRoutes
