import exifr from 'exifr'
import { fileTypeFromBuffer } from 'file-type'
import sharp from 'sharp'
import t, { type Test } from 'tap'
import { thumbHashToAverageRGBA, thumbHashToRGBA } from 'thumbhash'
import { ImageRefused, inspectImage, type IntakeLimits, type RefusalKind } from '../../src/media/intake.js'
import { imageSlotStats, resetImageSlotStats, setImageSlots, withImageSlot } from '../../src/media/limits.js'
import {
  BLUE,
  CAMERA_MAKE,
  CLEAN_SVG_BODY,
  GREEN,
  HTML_PAGE,
  RED,
  XMP_CAPTION,
  animatedGif,
  appended,
  cameraJpeg,
  corruptedPng,
  displayP3Jpeg,
  gifScriptPolyglot,
  jpegWithComment,
  noiseJpeg,
  pixelAt,
  pngBomb,
  sample,
  solid,
  svg,
  truncated,
  truncatedWithEnd,
  zipArchive,
} from '../support/images.js'

/**
 * Safe intake (src/media/intake.ts) with real sharp on images built by test/support/images.ts:
 * what an accepted image becomes (stripped, upright, re-encoded, with a placeholder), each
 * hostile file refused with its exact kind, and the image slots that keep ten uploads from
 * decoding at once.
 */

const LIMITS: IntakeLimits = { maxBytes: 25 * 1024 * 1024, maxPixels: 50_000_000, allowSvg: false }
const WITH_SVG: IntakeLimits = { ...LIMITS, allowSvg: true }

/** The refusal `inspectImage` throws for `bytes`; fails the test if it accepts them. */
async function refusal(bytes: Buffer, limits: IntakeLimits = LIMITS): Promise<ImageRefused> {
  try {
    await inspectImage(bytes, limits)
  } catch (error) {
    if (error instanceof ImageRefused) return error
    throw error
  }
  throw new Error('the file was accepted')
}

async function refusedAs(t: Test, bytes: Buffer, kind: RefusalKind, detail: RegExp, limits = LIMITS) {
  const error = await refusal(bytes, limits)
  t.equal(error.kind, kind, `kind ${kind}`)
  t.match(error.detail, detail)
  t.equal(error.message, error.detail)
}

/** Nothing but pixels: no EXIF (so no GPS), XMP, IPTC or ICC profile, by sharp, by exifr and by the bytes. */
async function assertStripped(t: Test, bytes: Buffer) {
  const metadata = await sharp(bytes).metadata()
  t.equal(metadata.exif, undefined, 'no EXIF')
  t.equal(metadata.xmp, undefined, 'no XMP')
  t.equal(metadata.iptc, undefined, 'no IPTC')
  t.equal(metadata.hasProfile, false, 'no ICC profile')
  t.equal(metadata.comments, undefined, 'no comments')
  const type = (await fileTypeFromBuffer(bytes))?.mime
  if (type === 'image/jpeg' || type === 'image/png' || type === 'image/avif') {
    // exifr reads these (not WebP or GIF, where sharp's reading above has to do).
    const segments = { tiff: true, gps: true, xmp: true, iptc: true, icc: true, ihdr: false, jfif: false }
    t.equal(await exifr.parse(bytes, segments), undefined, 'exifr finds no EXIF, GPS, XMP, IPTC or ICC')
  }
  t.notOk(bytes.includes('Exif\0\0'), 'no EXIF header in the bytes')
}

t.test('a phone photo with GPS: stored without any metadata, upright, with its displayed size', async (t) => {
  const input = await cameraJpeg()
  // The fixture really carries what must go.
  const before = await exifr.parse(input, true)
  t.equal(before.latitude, 51.5)
  t.equal(before.Make, CAMERA_MAKE)
  t.equal((await sharp(input).metadata()).orientation, 6)
  t.ok(input.includes(XMP_CAPTION), 'the fixture has an XMP caption')

  const image = await inspectImage(input, LIMITS)
  t.equal(image.mimeType, 'image/jpeg')
  t.equal((await fileTypeFromBuffer(image.bytes))?.mime, 'image/jpeg')
  t.same([image.width, image.height], [200, 300], 'orientation 6 applied: 300×200 stored is 200×300 shown')
  await assertStripped(t, image.bytes)
  t.equal(await exifr.gps(image.bytes), undefined, 'no GPS')
  t.notOk(image.bytes.includes(CAMERA_MAKE), 'no camera make')
  t.notOk(image.bytes.includes(XMP_CAPTION), 'no caption')
  const metadata = await sharp(image.bytes).metadata()
  t.same([metadata.width, metadata.height, metadata.orientation], [200, 300, undefined], 'stored upright')
  // The red square was stored top-left; turned 90° clockwise it is top-right.
  const near = (c: { r: number; g: number; b: number }, want: typeof RED) =>
    Math.abs(c.r - want.r) < 40 && Math.abs(c.g - want.g) < 40 && Math.abs(c.b - want.b) < 40
  t.ok(near(await pixelAt(image.bytes, 185, 15), RED), 'top-right is red')
  t.ok(near(await pixelAt(image.bytes, 15, 15), BLUE), 'top-left is blue')
  t.ok(near(await pixelAt(image.bytes, 185, 285), BLUE), 'bottom-right is blue')
})

t.test('each allowed format is accepted as itself, re-encoded and stripped', async (t) => {
  for (const [format, mimeType] of [
    ['png', 'image/png'],
    ['webp', 'image/webp'],
    ['avif', 'image/avif'],
    ['gif', 'image/gif'],
    ['jpeg', 'image/jpeg'],
  ] as const) {
    const input = await sample(format, 120, 80)
    const image = await inspectImage(input, LIMITS)
    t.equal(image.mimeType, mimeType, `${format}: type`)
    t.same([image.width, image.height], [120, 80], `${format}: size`)
    t.equal((await fileTypeFromBuffer(image.bytes))?.mime, mimeType, `${format}: the stored bytes are ${mimeType}`)
    await assertStripped(t, image.bytes)
  }
})

t.test('an animated GIF keeps its first frame only', async (t) => {
  const input = await animatedGif(40, 30, [RED, GREEN, BLUE])
  t.equal((await sharp(input).metadata()).pages, 3, 'the fixture has three frames')
  const image = await inspectImage(input, LIMITS)
  t.same([image.mimeType, image.width, image.height], ['image/gif', 40, 30])
  t.equal((await sharp(image.bytes, { animated: true }).metadata()).pages, 1, 'one frame stored')
  t.same(await pixelAt(image.bytes, 20, 15), RED, 'the first frame')
})

t.test('colours are converted to sRGB from an embedded profile, and the profile dropped', async (t) => {
  const colour = { r: 200, g: 100, b: 50 }
  const input = await displayP3Jpeg(colour)
  const p3Numbers = await sharp(input, { ignoreIcc: true }).raw().toBuffer()
  t.ok(Math.abs(p3Numbers[0]! - colour.r) > 8, 'the stored numbers are P3, not sRGB')
  const image = await inspectImage(input, LIMITS)
  t.equal((await sharp(image.bytes).metadata()).hasProfile, false)
  const out = await pixelAt(image.bytes, 8, 8)
  t.ok(
    Math.abs(out.r - colour.r) <= 4 && Math.abs(out.g - colour.g) <= 4 && Math.abs(out.b - colour.b) <= 4,
    `sRGB ${JSON.stringify(out)} ≈ ${JSON.stringify(colour)}`,
  )
})

t.test('a CMYK JPEG is stored as sRGB', async (t) => {
  const input = await solid(32, 32, { r: 200, g: 104, b: 56 }).toColourspace('cmyk').jpeg().toBuffer()
  t.equal((await sharp(input).metadata()).space, 'cmyk')
  const image = await inspectImage(input, LIMITS)
  const metadata = await sharp(image.bytes).metadata()
  t.same([metadata.space, metadata.channels], ['srgb', 3])
})

t.test('the placeholder: the dominant colour as #rrggbb and a ThumbHash that decodes', async (t) => {
  // (200, 104, 56) is the centre of one of sharp's 4096 histogram bins, so it comes back exact.
  const input = await solid(160, 90, { r: 200, g: 104, b: 56 }).png().toBuffer()
  const { placeholder } = await inspectImage(input, LIMITS)
  t.equal(placeholder.color, '#c86838')
  t.match(placeholder.thumbhash, /^[A-Za-z0-9+/]+=*$/)
  const hash = Buffer.from(placeholder.thumbhash, 'base64')
  const decoded = thumbHashToRGBA(hash)
  t.ok(decoded.w > 0 && decoded.h > 0 && decoded.rgba.length === decoded.w * decoded.h * 4, 'decodes to an image')
  t.ok(decoded.w > decoded.h, 'landscape, like the image')
  const average = thumbHashToAverageRGBA(hash)
  t.ok(Math.abs(average.r * 255 - 200) < 8 && Math.abs(average.g * 255 - 104) < 8 && Math.abs(average.b * 255 - 56) < 8)
})

t.test('hostile files, each refused with its kind', async (t) => {
  const jpeg = await sample('jpeg', 120, 80)
  const png = await sample('png', 120, 80)
  const gif = await sample('gif', 120, 80)

  t.test('HTML renamed .jpg: the bytes decide', async (t) => {
    await refusedAs(t, HTML_PAGE, 'unsupported-type', /not a JPEG, PNG, WebP, AVIF or GIF image/)
  })
  t.test('a PDF and a ZIP are not images', async (t) => {
    await refusedAs(
      t,
      Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n'),
      'unsupported-type',
      /are application\/pdf/,
    )
    await refusedAs(t, zipArchive('a.txt', 'hello'), 'unsupported-type', /are application\/zip/)
  })
  t.test('polyglot: a JPEG with <script> in a comment segment', async (t) => {
    const polyglot = jpegWithComment(jpeg, '<script>alert(1)</script>')
    t.equal((await sharp(polyglot).metadata()).format, 'jpeg', 'still a JPEG that decodes')
    await refusedAs(t, polyglot, 'unsupported-type', /markup \("<script"\)/)
  })
  t.test('polyglot: a JPEG with PHP in a comment segment', async (t) => {
    await refusedAs(t, jpegWithComment(jpeg, '<?php system($_GET["c"]); ?>'), 'unsupported-type', /markup \("<\?php"\)/)
  })
  t.test('polyglot: a JPEG with an HTML page after its end marker', async (t) => {
    await refusedAs(t, appended(jpeg, HTML_PAGE), 'unsupported-type', /markup/)
  })
  t.test('polyglot: markup across the 1 MB chunks of the scan is still found', async (t) => {
    const padding = Buffer.alloc(1024 * 1024 - 3 - jpeg.length)
    const straddling = appended(jpeg, Buffer.concat([padding, Buffer.from('<script>alert(1)</script>')]))
    t.equal(straddling.indexOf('<script>'), 1024 * 1024 - 3)
    await refusedAs(t, straddling, 'unsupported-type', /markup \("<script"\)/)
  })
  t.test('polyglot: a GIF whose header is JavaScript', async (t) => {
    const polyglot = gifScriptPolyglot(gif)
    t.equal(polyglot.toString('latin1', 0, 8), 'GIF89a/*')
    await refusedAs(t, polyglot, 'unsupported-type', /GIF header is written to be read as JavaScript/)
  })
  t.test('polyglot: a PNG with a ZIP archive appended (no markup at all)', async (t) => {
    await refusedAs(
      t,
      appended(png, zipArchive('evil.class', 'not really java')),
      'unsupported-type',
      /carries 1\d\d bytes after the end of the PNG image/,
    )
  })
  t.test('text after the end of a GIF, a WebP and an AVIF', async (t) => {
    for (const format of ['gif', 'webp', 'avif'] as const) {
      const image = await sample(format, 60, 40)
      await refusedAs(t, appended(image, 'trailing text'), 'unsupported-type', /13 bytes after the end/)
    }
  })
  t.test('SVG with script: refused when SVG is off, and still refused when it is on', async (t) => {
    const hostile = svg('<script>alert(document.cookie)</script>')
    await refusedAs(t, hostile, 'unsupported-type', /SVG images are not accepted/)
    await refusedAs(t, hostile, 'unsupported-type', /<script> element/, WITH_SVG)
  })
  t.test('SVG that can run or fetch anything, with SVG on', async (t) => {
    const cases: [string, RegExp][] = [
      ['<rect width="10" height="10" onload="alert(1)"/>', /event handler/],
      ['<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>', /foreignObject/],
      ['<image href="https://tracker.example/pixel.png" width="10" height="10"/>', /reference to another document/],
      ['<use xlink:href="other.svg#x"/>', /reference to another document/],
      ['<a href="javascript:alert(1)"><rect width="5" height="5"/></a>', /javascript: URL/],
      ['<set attributeName="href" to="&#106;avascript:alert(1)"/>', /animation element/],
      ['<svg:script xmlns:svg="http://www.w3.org/2000/svg">alert(1)</svg:script>', /<script> element/],
      ['<g xml:base="https://evil.example/"><use href="#x"/></g>', /xml:base/],
      ['<style>@import url(https://evil.example/x.css);</style>', /url\(\) that is not a #fragment|@import/],
      ['<rect style="fill:url(https://evil.example/p)" width="5" height="5"/>', /url\(\) that is not a #fragment/],
    ]
    for (const [body, detail] of cases) await refusedAs(t, svg(body), 'unsupported-type', detail, WITH_SVG)
    const entities = Buffer.from(
      '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' +
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>&b;</text></svg>',
    )
    await refusedAs(t, entities, 'unsupported-type', /DOCTYPE or entity/, WITH_SVG)
    const inlineSvgPage = Buffer.from(
      '<html><body><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg></body></html>',
    )
    await refusedAs(t, inlineSvgPage, 'unsupported-type', /not a JPEG, PNG, WebP, AVIF or GIF image/, WITH_SVG)
  })
  t.test('a 20000×20000 PNG bomb: refused from its header, fast, without decoding', async (t) => {
    const bomb = pngBomb(20000, 20000)
    t.ok(bomb.length < 200_000, `small on disk (${bomb.length} bytes)`)
    const header = await sharp(bomb, { limitInputPixels: false }).metadata()
    t.same([header.width, header.height], [20000, 20000], 'a real 400-megapixel PNG')
    globalThis.gc?.()
    const rssBefore = process.memoryUsage().rss
    const started = performance.now()
    await refusedAs(
      t,
      bomb,
      'too-many-pixels',
      /^The image is 20000×20000 \(400,000,000 pixels\), over the limit of 50,000,000 pixels\.$/,
    )
    const elapsed = performance.now() - started
    const grown = process.memoryUsage().rss - rssBefore
    t.ok(elapsed < 2000, `refused in ${Math.round(elapsed)} ms`)
    t.ok(grown < 50 * 1024 * 1024, `RSS grew ${Math.round(grown / 1024 / 1024)} MB (400 MB would be the pixels)`)
    t.equal((await refusal(bomb)).limit, 50_000_000)
  })
  t.test('the pixel limit is exact', async (t) => {
    const input = await sample('png', 300, 200)
    await refusedAs(t, input, 'too-many-pixels', /300×200 \(60,000 pixels\), over the limit of 59,999 pixels/, {
      ...LIMITS,
      maxPixels: 59_999,
    })
    t.equal((await inspectImage(input, { ...LIMITS, maxPixels: 60_000 })).width, 300, 'at the limit: accepted')
  })
  t.test('a truncated JPEG', async (t) => {
    const photo = await noiseJpeg(400, 300)
    await refusedAs(t, truncated(photo, 0.6), 'undecodable', /ends before the JPEG image does: it is truncated/)
  })
  t.test('a JPEG cut short but given its end marker back: the decoder notices', async (t) => {
    const photo = await noiseJpeg(400, 300)
    await refusedAs(t, truncatedWithEnd(photo, 0.6), 'undecodable', /could not be decoded: it is corrupt or truncated/)
  })
  t.test('a PNG whose pixel data does not match its checksum', async (t) => {
    const error = await refusal(corruptedPng(await sample('png', 120, 80)))
    t.equal(error.kind, 'undecodable')
    t.match(error.detail, /The PNG image could not be decoded/)
    t.ok(error.cause instanceof Error, "the decoder's words are kept as the cause, for logs")
  })
  t.test('a truncated PNG and a truncated GIF', async (t) => {
    await refusedAs(t, truncated(png, 0.5), 'undecodable', /truncated/)
    await refusedAs(t, truncated(gif, 0.5), 'undecodable', /truncated/)
  })
  t.test('a 0-byte file', async (t) => {
    await refusedAs(t, Buffer.alloc(0), 'empty', /^The file is empty \(0 bytes\)\.$/)
  })
  t.test('over the size limit, decided before parsing anything', async (t) => {
    const limits = { ...LIMITS, maxBytes: jpeg.length - 1 }
    await refusedAs(
      t,
      jpeg,
      'too-large',
      new RegExp(
        `^The file is ${jpeg.length.toLocaleString('en-US')} bytes, over the limit of ${(jpeg.length - 1).toLocaleString('en-US')} bytes`,
      ),
      limits,
    )
    await refusedAs(t, Buffer.concat([HTML_PAGE, Buffer.alloc(100)]), 'too-large', /over the limit/, {
      ...LIMITS,
      maxBytes: 100,
    })
    await refusedAs(t, Buffer.alloc(26 * 1024 * 1024 + 1), 'too-large', /over the limit of 26,214,400 bytes \(25 MiB\)/)
    t.equal(
      (await inspectImage(jpeg, { ...LIMITS, maxBytes: jpeg.length })).mimeType,
      'image/jpeg',
      'at the limit: accepted',
    )
  })
})

t.test('what cameras and encoders legitimately add is not a polyglot', async (t) => {
  const jpeg = await sample('jpeg', 120, 80)
  const second = await sample('jpeg', 30, 20)
  const image = await inspectImage(appended(jpeg, second), LIMITS)
  t.same([image.width, image.height], [120, 80], 'a second JPEG after the first (MPF gain map): the first is kept')
  // FF D9 occurs in a JPEG only as its end marker (in scan data FF is always followed by 00).
  t.equal(image.bytes.indexOf(Buffer.from([0xff, 0xd9])), image.bytes.length - 2, 'and only the first is stored')
  t.equal((await inspectImage(appended(jpeg, Buffer.alloc(64)), LIMITS)).width, 120, 'zero padding')
  t.equal(
    (await inspectImage(appended(jpeg, 'Image_UTC_Data1700000000000SEFHSEFT'), LIMITS)).width,
    120,
    'a Samsung trailer',
  )
  // Compressed noise is as close to random bytes as an image gets: no false markup, no false end.
  const noise = await noiseJpeg(1500, 1000, 7)
  t.ok(noise.length > 1_000_000, `a ${Math.round(noise.length / 1024)} KB noise JPEG`)
  t.equal((await inspectImage(noise, LIMITS)).width, 1500)
  // A progressive JPEG has many scans: the end is found after the last.
  const progressive = await sharp(noise).jpeg({ progressive: true }).toBuffer()
  t.equal((await inspectImage(progressive, LIMITS)).height, 1000)
})

t.test('SVG, when the operator allows it: a clean one is accepted untouched', async (t) => {
  const clean = svg(CLEAN_SVG_BODY, 120, 80)
  await refusedAs(t, clean, 'unsupported-type', /SVG images are not accepted/)
  const image = await inspectImage(clean, WITH_SVG)
  t.equal(image.mimeType, 'image/svg+xml')
  t.ok(image.bytes.equals(clean), 'the bytes as uploaded')
  t.same([image.width, image.height], [120, 80])
  t.equal(image.placeholder.color, '#c86838')
  const withPrologue = Buffer.from(`\uFEFF${clean.toString().replace('?>\n', '?>\n<!-- exported -->\n')}`)
  t.equal(
    (await inspectImage(withPrologue, WITH_SVG)).mimeType,
    'image/svg+xml',
    'a byte order mark and a comment first',
  )
  // The size limit and the pixel limit hold for SVG too.
  await refusedAs(t, svg(CLEAN_SVG_BODY, 20000, 20000), 'too-many-pixels', /20000×20000/, WITH_SVG)
  await refusedAs(t, clean, 'too-large', /over the limit/, { ...WITH_SVG, maxBytes: 100 })
})

t.test('image slots: a FIFO semaphore', async (t) => {
  t.teardown(() => setImageSlots(1))
  setImageSlots(2)
  const started: number[] = []
  const finish: (() => void)[] = []
  const jobs = [0, 1, 2, 3, 4].map((n) =>
    withImageSlot(
      () =>
        new Promise<number>((resolve) => {
          started.push(n)
          finish[n] = () => resolve(n)
        }),
    ),
  )
  await new Promise((resolve) => setImmediate(resolve))
  t.same(started, [0, 1], 'two places: two jobs run')
  const { limit, active, waiting } = imageSlotStats()
  t.same({ limit, active, waiting }, { limit: 2, active: 2, waiting: 3 })
  finish[1]!()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(started, [0, 1, 2], 'a freed place goes to the longest waiter')
  setImageSlots(3)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(started, [0, 1, 2, 3], 'a raised limit lets a waiter in at once')
  setImageSlots(1)
  finish[0]!()
  finish[2]!()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(started, [0, 1, 2, 3], 'a lowered limit: no new job while the running one holds the only place')
  finish[3]!()
  await new Promise((resolve) => setImmediate(resolve))
  t.same(started, [0, 1, 2, 3, 4])
  finish[4]!()
  t.same(await Promise.all(jobs), [0, 1, 2, 3, 4])
  t.same([imageSlotStats().active, imageSlotStats().waiting], [0, 0])
  // A job that fails frees its place too.
  await t.rejects(
    withImageSlot(async () => {
      throw new Error('boom')
    }),
  )
  t.equal(imageSlotStats().active, 0)
  t.throws(() => setImageSlots(0), RangeError)
})

t.test('ten concurrent uploads are decoded at most two at a time', async (t) => {
  t.teardown(() => setImageSlots(1))
  setImageSlots(2)
  resetImageSlotStats()
  const photos = await Promise.all(Array.from({ length: 10 }, (_, n) => noiseJpeg(300, 200, n + 1)))
  const images = await Promise.all(photos.map((photo) => inspectImage(photo, LIMITS)))
  t.equal(images.length, 10)
  const stats = imageSlotStats()
  t.equal(stats.entered, 10, 'every upload decoded inside a slot')
  t.ok(stats.peak <= 2, `never more than 2 at once (peak ${stats.peak})`)
  t.same([stats.active, stats.waiting], [0, 0])
})
