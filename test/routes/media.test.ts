import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import exifr from 'exifr'
import sharp from 'sharp'
import t from 'tap'
import { buildTestApp, json, tokenHeaders, type Headers, type TestApp } from '../support/app.js'
import { isProblem } from '../support/assert.js'
import { UNKNOWN_UUID, multipartUpload as multipart } from '../support/factories.js'
import { CAMERA_MAKE, GPS, cameraJpeg, pngBomb } from '../support/images.js'
import { filesUnder, objectsUnder } from '../support/files.js'
import { freePort, tempDir } from '../support/process.js'
import { startLocalS3 } from '../support/s3.js'

/**
 * The media library through the API (issue 27): uploads checked by their bytes and stripped of
 * metadata before anything is stored, refusals that store nothing, variants made once and then
 * served from storage, and who sees what. The store is a real directory (MEDIA_DIR) the test
 * reads back.
 */

async function upload(
  app: TestApp,
  as: Headers,
  file: Buffer | undefined,
  fields: Record<string, string> = {},
  filename?: string,
) {
  const body = await multipart(file, fields, filename)
  return app.inject({
    method: 'POST',
    url: '/api/v1/media',
    headers: { ...as, ...body.headers },
    payload: body.payload,
  })
}

const pngOf = (width: number, height: number, colour = '#336699') =>
  sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer()

t.test('a JPEG with GPS EXIF is stored and served upright, without any metadata', async (t) => {
  const dir = await tempDir(t, 'broadsheet-media-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir })
  const author = await tokenHeaders(app, 'author', (await app.db.prisma.author.findFirstOrThrow()).id)
  const original = await cameraJpeg()
  const before = await exifr.gps(original)
  t.ok(before && Math.abs(before.latitude - GPS.latitude) < 0.01, 'the source carries a GPS position')
  t.equal((await sharp(original).metadata()).orientation, 6, 'and EXIF orientation 6 (stored 300×200, shown 200×300)')

  const res = await upload(app, author, original, { alt: 'Harbour crane', credit: 'A. Okafor', focalPoint: '0.5,0.25' })
  t.equal(res.statusCode, 201, res.body)
  const media = json(res)
  t.match(res.headers.location, new RegExp(`^/api/v1/media/${media.id}$`))
  t.equal(media.mimeType, 'image/jpeg')
  t.same([media.width, media.height], [200, 300], 'orientation applied: portrait')
  t.same(media.focalPoint, { x: 0.5, y: 0.25 })
  t.equal(media.alt, 'Harbour crane')
  t.match(media.placeholder.color, /^#[0-9a-f]{6}$/)
  t.same(Object.keys(media.variants), ['thumb', 'card', 'hero', 'full'])
  t.match(media.variants.thumb.url, new RegExp(`/media/${media.id}/thumb\\.webp\\?v=1$`))
  t.same([media.variants.full.width, media.variants.full.height], [200, 300], 'full is never enlarged')

  // What was stored: one object, no EXIF block, no GPS, no camera, upright.
  const objects = await objectsUnder(dir)
  t.equal(objects.length, 1, 'one stored object')
  for (const file of objects) {
    const bytes = await readFile(file)
    t.equal(await exifr.parse(bytes).catch(() => undefined), undefined, `${path.basename(file)}: no EXIF at all`)
    const meta = await sharp(bytes).metadata()
    t.notOk(meta.exif ?? meta.xmp ?? meta.iptc, 'no exif, xmp or iptc block')
    t.same([meta.width, meta.height, meta.orientation ?? 1], [200, 300, 1], 'upright, nothing left to rotate')
    t.notOk(bytes.includes(CAMERA_MAKE), 'the camera make is gone from the bytes')
  }

  // What is served: the full JPEG variant, same facts, the red corner top-right.
  const file = await app.inject({ url: `/media/${media.id}/full.jpeg`, headers: author })
  t.equal(file.statusCode, 200)
  t.equal(file.headers['content-type'], 'image/jpeg')
  const served = file.rawPayload
  t.equal(await exifr.parse(served).catch(() => undefined), undefined, 'the served bytes carry no EXIF')
  t.notOk(served.includes(CAMERA_MAKE), 'nor the camera make')
  const { data, info } = await sharp(served).raw().toBuffer({ resolveWithObject: true })
  t.same([info.width, info.height], [200, 300])
  const pixel = (x: number, y: number) => {
    const at = (y * info.width + x) * info.channels
    return [...data.subarray(at, at + 3)]
  }
  t.ok(pixel(190, 10)[0]! > 200 && pixel(190, 10)[2]! < 80, `top right is the red square: ${pixel(190, 10)}`)
  t.ok(pixel(10, 10)[2]! > 200 && pixel(10, 10)[0]! < 80, `top left is blue: ${pixel(10, 10)}`)
})

t.test('hostile files are refused with a clear 4xx and nothing is stored', async (t) => {
  const dir = await tempDir(t, 'broadsheet-media-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir, MEDIA_MAX_BYTES: 200_000, MEDIA_MAX_PIXELS: 50_000_000 })
  const editor = await tokenHeaders(app, 'editor')
  const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer()
  const noise = Buffer.alloc(300_000)
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24
  const bomb = pngBomb(20000, 20000)
  t.ok(bomb.length < 200_000, `the bomb is small on the wire: ${bomb.length} bytes`)
  const cases: [string, Buffer, number, string][] = [
    [
      'HTML renamed .jpg',
      Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a JPEG with a script after its end',
      Buffer.concat([jpeg, Buffer.from('<script>alert(1)</script>')]),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a GIF header followed by JavaScript',
      Buffer.from('GIF89a/*\x00\x00\x00\x00*/=alert(document.domain);//'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'SVG with script',
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['a 20000×20000 PNG', bomb, 413, 'PAYLOAD_TOO_LARGE'],
    ['a truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2)), 422, 'IMAGE_UNREADABLE'],
    ['a 0-byte file', Buffer.alloc(0), 422, 'IMAGE_UNREADABLE'],
    ['a file over MEDIA_MAX_BYTES', noise, 413, 'PAYLOAD_TOO_LARGE'],
  ]
  for (const [name, bytes, status, code] of cases) {
    const res = await upload(app, editor, bytes)
    isProblem(t, res, status, code)
    t.same(await filesUnder(dir), [], `${name}: nothing stored`)
  }
  t.equal(await app.db.prisma.media.count(), 0, 'no media row either')

  // A file name that walks out of the directory is ignored: the key is generated.
  const res = await upload(app, editor, jpeg, {}, '../../../../etc/passwd.jpg')
  t.equal(res.statusCode, 201)
  const files = await filesUnder(dir)
  t.ok(files.length > 0 && files.every((f) => f.startsWith(dir + path.sep)), 'written inside MEDIA_DIR only')
  t.notOk(
    files.some((f) => /passwd|etc/.test(f)),
    'the name reaches no path',
  )
})

t.test('the upload request itself: multipart only, one file part, known fields, a token that may write', async (t) => {
  const dir = await tempDir(t, 'broadsheet-media-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir })
  const editor = await tokenHeaders(app, 'editor')
  const png = await pngOf(40, 30)

  const asJson = await app.inject({
    method: 'POST',
    url: '/api/v1/media',
    headers: { ...editor, 'content-type': 'application/json' },
    payload: JSON.stringify({ file: png.toString('base64') }),
  })
  isProblem(t, asJson, 415, 'UNSUPPORTED_MEDIA_TYPE')
  isProblem(t, await upload(app, editor, undefined, { alt: 'x' }), 400, 'VALIDATION_FAILED', '/body/file')
  isProblem(t, await upload(app, editor, png, { colour: 'red' }), 400, 'VALIDATION_FAILED', '/body/colour')
  isProblem(t, await upload(app, editor, png, { focalPoint: '1.5,0' }), 400, 'VALIDATION_FAILED', '/body/focalPoint')
  isProblem(t, await upload(app, editor, png, { alt: 'a\u0000b' }), 400, 'VALIDATION_FAILED', '/body/alt')
  isProblem(t, await upload(app, {}, png), 401, 'UNAUTHORIZED')
  isProblem(t, await upload(app, await tokenHeaders(app, 'viewer'), png), 403, 'FORBIDDEN')
  t.same(await filesUnder(dir), [], 'nothing stored by any refusal')

  // Multipart is read on the upload route only.
  const body = await multipart(png)
  const elsewhere = await app.inject({
    method: 'POST',
    url: '/api/v1/authors',
    headers: { ...editor, ...body.headers },
    payload: body.payload,
  })
  isProblem(t, elsewhere, 415, 'UNSUPPORTED_MEDIA_TYPE')

  for (const [format, bytes] of [
    ['png', png],
    ['webp', await sharp(png).webp().toBuffer()],
    ['gif', await sharp(png).gif().toBuffer()],
    ['avif', await sharp(png).avif({ effort: 0 }).toBuffer()],
  ] as const) {
    const res = await upload(app, editor, bytes, { public: 'true' })
    t.equal(res.statusCode, 201, `${format}: ${res.body}`)
    t.equal(json(res).mimeType, `image/${format}`, `${format} by its bytes, whatever the part's declared type`)
  }
})

t.test('variants: made on the first request, then read from storage; versioned URLs cached for a year', async (t) => {
  const dir = await tempDir(t, 'broadsheet-media-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir })
  const editor = await tokenHeaders(app, 'editor')
  const media = json(await upload(app, editor, await pngOf(2000, 1500), { public: 'true', alt: 'Blue' }))
  const url = new URL(media.variants.card.url).pathname + new URL(media.variants.card.url).search

  const first = await app.inject({ url })
  t.equal(first.statusCode, 200)
  t.equal(first.headers['content-type'], 'image/webp')
  t.equal(first.headers['cache-control'], 'public, max-age=31536000, immutable')
  t.equal(first.headers['x-content-type-options'], 'nosniff')
  t.equal(first.headers['content-security-policy'], "default-src 'none'; sandbox")
  const meta = await sharp(first.rawPayload).metadata()
  t.same([meta.format, meta.width, meta.height], ['webp', 800, 450])
  t.equal(await app.db.prisma.mediaVariant.count(), 1, 'recorded')
  const objects = (await objectsUnder(dir)).length

  const second = await app.inject({ url })
  t.equal(second.headers.etag, first.headers.etag, 'the same bytes')
  t.ok(second.rawPayload.equals(first.rawPayload))
  t.equal(await app.db.prisma.mediaVariant.count(), 1, 'not made again')
  t.equal((await objectsUnder(dir)).length, objects, 'nothing new stored')

  // A recorded variant whose object went missing (an older backup restored) is made again under its key.
  const [variantFile] = (await objectsUnder(dir)).filter((f) => f.includes(`${path.sep}variants${path.sep}`))
  await rm(variantFile!)
  const remade = await app.inject({ url })
  t.equal(remade.statusCode, 200, 'a lost variant is made again')
  t.ok((await objectsUnder(dir)).includes(variantFile!), 'under the key its record names')
  t.equal(await app.db.prisma.mediaVariant.count(), 1, 'still one record')

  const revalidated = await app.inject({ url, headers: { 'if-none-match': String(first.headers.etag) } })
  t.equal(revalidated.statusCode, 304)
  const unversioned = await app.inject({ url: new URL(media.variants.card.url).pathname })
  t.equal(unversioned.headers['cache-control'], 'public, max-age=60', 'an unversioned URL is cached briefly')

  for (const bad of ['card.png', 'huge.webp', '800x450.webp', 'card.webp.exe', '..%2Foriginal.jpeg']) {
    const res = await app.inject({ url: `/media/${media.id}/${bad}` })
    t.ok([400, 404].includes(res.statusCode), `${bad}: ${res.statusCode}`)
  }
  isProblem(t, await app.inject({ url: `/media/${UNKNOWN_UUID}/card.webp` }), 404, 'NOT_FOUND')

  // A text edit changes no pixel: the URLs and the stored variants stay.
  const captioned = await app.inject({
    method: 'PATCH',
    url: `/api/v1/media/${media.id}`,
    headers: { ...editor, 'if-match': '*' },
    payload: { caption: 'At dusk' },
  })
  t.equal(captioned.statusCode, 200, captioned.body)
  t.equal(json(captioned).variants.card.url, media.variants.card.url, 'a caption leaves the URLs as they were')
  t.equal(await app.db.prisma.mediaVariant.count(), 1, 'and the variant made')
  const still = await app.inject({ url })
  t.equal(still.headers['cache-control'], 'public, max-age=31536000, immutable', 'the URL handed out is still current')

  // A new focal point re-crops: the old variants go, the URLs change.
  const etag = String((await app.inject({ url: `/api/v1/media/${media.id}`, headers: editor })).headers.etag)
  const moved = await app.inject({
    method: 'PATCH',
    url: `/api/v1/media/${media.id}`,
    headers: { ...editor, 'if-match': etag },
    payload: { focalPoint: { x: 0, y: 0 } },
  })
  t.equal(moved.statusCode, 200, moved.body)
  t.equal(await app.db.prisma.mediaVariant.count(), 0, 'variants cropped around the old point are gone')
  t.equal((await objectsUnder(dir)).length, objects - 1, 'and their objects')
  t.not(json(moved).variants.card.url, media.variants.card.url, 'a new URL')
})

t.test('who sees what: private items only with a token; author tokens change only their own uploads', async (t) => {
  const dir = await tempDir(t, 'broadsheet-media-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir })
  const [a, b] = await app.db.prisma.author.findMany({ take: 2, orderBy: { id: 'asc' } })
  const own = await tokenHeaders(app, 'author', a!.id)
  const other = await tokenHeaders(app, 'author', b!.id)
  const viewer = await tokenHeaders(app, 'viewer')
  const editor = await tokenHeaders(app, 'editor')
  const media = json(await upload(app, own, await pngOf(400, 300), { alt: 'Private' }))

  isProblem(t, await app.inject({ url: `/api/v1/media/${media.id}` }), 404, 'NOT_FOUND')
  isProblem(t, await app.inject({ url: `/media/${media.id}/thumb.webp` }), 404, 'NOT_FOUND')
  isProblem(t, await app.inject({ url: '/api/v1/media' }), 401, 'UNAUTHORIZED')
  const file = await app.inject({ url: `/media/${media.id}/thumb.webp`, headers: viewer })
  t.equal(file.statusCode, 200)
  t.equal(file.headers['cache-control'], 'private, no-cache', 'a private item is never shared-cached')
  t.equal(json(await app.inject({ url: '/api/v1/media', headers: viewer })).data.length, 1)

  const etag = String((await app.inject({ url: `/api/v1/media/${media.id}`, headers: own })).headers.etag)
  const patch = (as: Headers, payload: object) =>
    app.inject({ method: 'PATCH', url: `/api/v1/media/${media.id}`, headers: { ...as, 'if-match': etag }, payload })
  isProblem(t, await patch(other, { alt: 'Mine now' }), 403, 'FORBIDDEN')
  isProblem(t, await patch(viewer, { alt: 'Mine now' }), 403, 'FORBIDDEN')
  isProblem(
    t,
    await app.inject({ method: 'PATCH', url: `/api/v1/media/${media.id}`, headers: own, payload: { alt: 'x' } }),
    428,
    'PRECONDITION_REQUIRED',
  )
  const published = await patch(own, { public: true, alt: 'Now public' })
  t.equal(published.statusCode, 200, published.body)
  const anonymous = await app.inject({ url: `/api/v1/media/${media.id}` })
  t.equal(anonymous.statusCode, 200)
  t.equal(json(anonymous).alt, 'Now public')

  isProblem(
    t,
    await app.inject({ method: 'DELETE', url: `/api/v1/media/${media.id}`, headers: other }),
    403,
    'FORBIDDEN',
  )
  await app.inject({ url: `/media/${media.id}/hero.avif`, headers: editor })
  t.equal((await objectsUnder(dir)).length, 3, 'the original and two variants (thumb.webp, hero.avif) stored')
  const gone = await app.inject({ method: 'DELETE', url: `/api/v1/media/${media.id}`, headers: editor })
  t.equal(gone.statusCode, 204)
  t.same(await filesUnder(dir), [], 'the original and every variant removed from the store')
  isProblem(t, await app.inject({ url: `/api/v1/media/${media.id}`, headers: editor }), 404, 'NOT_FOUND')
})

t.test('uploads per token are limited (MEDIA_UPLOADS_PER_HOUR); admin tokens, as everywhere, are not', async (t) => {
  const dir = await tempDir(t, 'broadsheet-media-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir, MEDIA_UPLOADS_PER_HOUR: 2 })
  const editor = await tokenHeaders(app, 'editor')
  const png = await pngOf(40, 30)
  t.equal((await upload(app, editor, png)).statusCode, 201)
  t.equal((await upload(app, editor, png)).statusCode, 201)
  const objects = (await objectsUnder(dir)).length
  const third = await upload(app, editor, png)
  isProblem(t, third, 429, 'RATE_LIMITED')
  t.ok(Number(third.headers['retry-after']) > 0, 'Retry-After')
  t.equal((await objectsUnder(dir)).length, objects, 'the refused upload stored nothing')
  t.equal(await app.db.prisma.media.count(), 2)
  t.equal(
    (await upload(app, await tokenHeaders(app, 'author', (await app.db.prisma.author.findFirstOrThrow()).id), png))
      .statusCode,
    201,
    'another token has its own budget',
  )
  const admin = await tokenHeaders(app, 'admin')
  for (let i = 0; i < 3; i++) t.equal((await upload(app, admin, png)).statusCode, 201, `admin upload ${i + 1}`)
})

t.test(
  'on an S3-compatible store: the same upload, variant and delete, and a store that is down is a 503 with nothing recorded',
  async (t) => {
    const s3 = await startLocalS3('broadsheet-route-test')
    t.teardown(() => s3.close())
    const app = await buildTestApp(t, {
      MEDIA_STORAGE: 's3',
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: true,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    })
    const editor = await tokenHeaders(app, 'editor')
    const res = await upload(app, editor, await cameraJpeg(), { public: 'true', alt: 'On S3' })
    t.equal(res.statusCode, 201, res.body)
    const media = json(res)
    const puts = () => s3.requests.filter((r) => r.method === 'PUT' && r.url.includes('/originals/')).length
    t.equal(puts(), 1, 'the original went to the bucket')
    const file = await app.inject({ url: `/media/${media.id}/thumb.jpeg` })
    t.equal(file.statusCode, 200)
    t.equal(await exifr.parse(file.rawPayload).catch(() => undefined), undefined, 'served without metadata')
    t.same((({ width, height }) => [width, height])(await sharp(file.rawPayload).metadata()), [200, 200])
    const again = await app.inject({ url: `/media/${media.id}/thumb.jpeg` })
    t.equal(again.headers.etag, file.headers.etag, 'read back from the bucket')
    t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/media/${media.id}`, headers: editor })).statusCode, 204)
    const deletes = s3.requests.filter((r) => r.method === 'DELETE').length
    t.equal(deletes, 2, 'the original and the variant deleted from the bucket')

    // A bucket out of reach (nothing listens there): an upload is a 503 (Retry-After), and no row
    // names a missing object.
    const unreachable = await buildTestApp(t, {
      MEDIA_STORAGE: 's3',
      S3_BUCKET: s3.bucket,
      S3_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
      S3_FORCE_PATH_STYLE: true,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    })
    const down = await upload(unreachable, await tokenHeaders(unreachable, 'editor'), await pngOf(40, 30))
    isProblem(t, down, 503, 'SERVICE_UNAVAILABLE')
    t.equal(down.headers['retry-after'], '5')
    t.equal(await unreachable.db.prisma.media.count(), 0, 'nothing recorded')
  },
)

t.test('SVG: refused unless MEDIA_ALLOW_SVG; then only a safe one, as raster variants and a download', async (t) => {
  const safe = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><defs><linearGradient id="g">' +
      '<stop offset="0" stop-color="#036"/><stop offset="1" stop-color="#69c"/></linearGradient></defs>' +
      '<rect width="400" height="300" fill="url(#g)"/><circle cx="200" cy="150" r="80" fill="#fc0"/></svg>',
  )
  const hostile = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" onclick="alert(1)"/></svg>',
  )

  const offDir = await tempDir(t, 'broadsheet-media-')
  const off = await buildTestApp(t, { MEDIA_DIR: offDir, SEED_ON_EMPTY: false })
  const offAdmin = await tokenHeaders(off, 'admin')
  isProblem(t, await upload(off, offAdmin, safe, { alt: 'A chart' }, 'chart.svg'), 415, 'UNSUPPORTED_MEDIA_TYPE')
  t.same(await filesUnder(offDir), [], 'off by default: nothing stored')

  const dir = await tempDir(t, 'broadsheet-media-')
  const app = await buildTestApp(t, { MEDIA_DIR: dir, SEED_ON_EMPTY: false, MEDIA_ALLOW_SVG: true })
  const admin = await tokenHeaders(app, 'admin')
  isProblem(t, await upload(app, admin, hostile, {}, 'chart.svg'), 415, 'UNSUPPORTED_MEDIA_TYPE')
  t.same(await filesUnder(dir), [], 'an SVG with an event handler is still refused, and nothing stored')

  const res = await upload(app, admin, safe, { alt: 'A chart', public: 'true' }, 'chart.svg')
  t.equal(res.statusCode, 201, res.body)
  const media = json(res)
  t.equal(media.mimeType, 'image/svg+xml')
  t.same([media.width, media.height], [400, 300])

  const card = await app.inject(`/media/${media.id}/card.webp?v=${1}`)
  t.equal(card.statusCode, 200)
  t.equal(card.headers['content-type'], 'image/webp', 'variants are raster images')
  const meta = await sharp(card.rawPayload).metadata()
  t.same([meta.format, meta.width, meta.height], ['webp', 400, 225])

  const original = await app.inject(`/media/${media.id}/original.svg`)
  t.equal(original.statusCode, 200)
  t.equal(original.headers['content-type'], 'image/svg+xml')
  t.equal(original.headers['content-disposition'], `attachment; filename="${media.id}.svg"`, 'only as a download')
  t.equal(original.headers['content-security-policy'], "default-src 'none'; sandbox")
  t.equal(original.headers['x-content-type-options'], 'nosniff')
  t.ok(original.rawPayload.equals(safe), 'the very bytes uploaded (checked, never rewritten)')

  const png = json(await upload(app, admin, await pngOf(64, 64), { public: 'true' }))
  t.equal((await app.inject(`/media/${png.id}/original.svg`)).statusCode, 404, 'a raster original is never served')
})
