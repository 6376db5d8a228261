import exifr from 'exifr'
import { fileTypeFromBuffer } from 'file-type'
import sharp from 'sharp'
import t from 'tap'
import { RASTER_MIME_TYPES } from '../../src/media/intake.js'
import * as schemas from '../../src/schemas/media.js'
import {
  CENTRE,
  SRCSET_VARIANTS,
  VARIANTS,
  VARIANT_FORMATS,
  VARIANT_NAMES,
  cropWindow,
  isVariantFormat,
  isVariantName,
  parseVariantFile,
  renderVariant,
  srcsetOf,
  variantSize,
  variantsOf,
  type FocalPoint,
  type Size,
  type VariantFormat,
  type VariantName,
} from '../../src/media/variants.js'
import { GREEN, GREY, XMP_CAPTION, cameraJpeg, meanColour, solid, withSquare } from '../support/images.js'

/**
 * Delivery variants (src/media/variants.ts): the crop window's arithmetic exactly, the sizes
 * the API announces held to what sharp really makes, the formats' bytes and their lack of
 * metadata, and the focal point moving the crop.
 */

t.test('cropWindow: the largest window of the aspect ratio, centred on the focal point, kept inside', async (t) => {
  const cases: [string, [number, number, number, FocalPoint?], ReturnType<typeof cropWindow>][] = [
    ['wide image, square, centre', [4000, 3000, 1], { left: 500, top: 0, width: 3000, height: 3000 }],
    [
      'wide image, square, top-left corner',
      [4000, 3000, 1, { x: 0, y: 0 }],
      { left: 0, top: 0, width: 3000, height: 3000 },
    ],
    [
      'wide image, square, bottom-right corner',
      [4000, 3000, 1, { x: 1, y: 1 }],
      { left: 1000, top: 0, width: 3000, height: 3000 },
    ],
    [
      'wide image, square, a little right of centre',
      [4000, 3000, 1, { x: 0.55, y: 0.5 }],
      { left: 700, top: 0, width: 3000, height: 3000 },
    ],
    [
      'wide image, square, clamped at the left edge',
      [4000, 3000, 1, { x: 0.3, y: 0.5 }],
      { left: 0, top: 0, width: 3000, height: 3000 },
    ],
    [
      'wide image, square, clamped at the right edge',
      [4000, 3000, 1, { x: 0.7, y: 0.5 }],
      { left: 1000, top: 0, width: 3000, height: 3000 },
    ],
    ['tall image, 16:9, centre', [3000, 4000, 16 / 9], { left: 0, top: 1156, width: 3000, height: 1688 }],
    [
      'tall image, 16:9, top edge',
      [3000, 4000, 16 / 9, { x: 0.5, y: 0 }],
      { left: 0, top: 0, width: 3000, height: 1688 },
    ],
    [
      'tall image, 16:9, bottom edge',
      [3000, 4000, 16 / 9, { x: 0.5, y: 1 }],
      { left: 0, top: 2312, width: 3000, height: 1688 },
    ],
    [
      'tall image, 16:9, a quarter down',
      [3000, 4000, 16 / 9, { x: 0.5, y: 0.25 }],
      { left: 0, top: 156, width: 3000, height: 1688 },
    ],
    [
      'exactly 16:9: the whole image wherever the focus',
      [1920, 1080, 16 / 9, { x: 0, y: 1 }],
      { left: 0, top: 0, width: 1920, height: 1080 },
    ],
    ['a strip, square, bottom-right', [100, 10, 1, { x: 1, y: 1 }], { left: 90, top: 0, width: 10, height: 10 }],
    ['a tall strip, 16:9, bottom-left', [10, 100, 16 / 9, { x: 0, y: 1 }], { left: 0, top: 94, width: 10, height: 6 }],
    [
      'a focal point out of range is clamped',
      [4000, 3000, 1, { x: -1, y: 2 }],
      { left: 0, top: 0, width: 3000, height: 3000 },
    ],
    [
      'a focal point that is not a number is the centre',
      [4000, 3000, 1, { x: NaN, y: NaN }],
      { left: 500, top: 0, width: 3000, height: 3000 },
    ],
  ]
  for (const [name, [width, height, aspect, focal], expected] of cases) {
    t.same(cropWindow(width, height, aspect, focal), expected, name)
  }
  t.same(cropWindow(4000, 3000, 1), cropWindow(4000, 3000, 1, CENTRE), 'the default is the centre')
})

/** Each source's expected variant sizes, written out: what a frontend's srcset will say. */
const SIZES: [Size, Record<VariantName, [number, number]>][] = [
  [
    { width: 4000, height: 3000 },
    { thumb: [320, 320], card: [800, 450], hero: [1600, 900], full: [2560, 1920] },
  ],
  [
    { width: 3000, height: 4000 },
    { thumb: [320, 320], card: [800, 450], hero: [1600, 900], full: [1920, 2560] },
  ],
  // Smaller than the boxes: never enlarged, so the window at the source's resolution.
  [
    { width: 500, height: 300 },
    { thumb: [300, 300], card: [500, 281], hero: [500, 281], full: [500, 300] },
  ],
  [
    { width: 1000, height: 1000 },
    { thumb: [320, 320], card: [800, 450], hero: [1000, 563], full: [1000, 1000] },
  ],
  [
    { width: 1601, height: 901 },
    { thumb: [320, 320], card: [800, 450], hero: [1600, 900], full: [1601, 901] },
  ],
]

t.test('variantSize: the sizes, without decoding', async (t) => {
  for (const [original, expected] of SIZES) {
    for (const variant of VARIANT_NAMES) {
      const { width, height } = variantSize(original, variant)
      t.same([width, height], expected[variant], `${original.width}×${original.height} ${variant}`)
    }
  }
})

t.test('variantSize is what renderVariant makes', async (t) => {
  for (const [original] of SIZES) {
    const source = await solid(original.width, original.height, GREY).jpeg().toBuffer()
    for (const variant of VARIANT_NAMES) {
      const rendered = await renderVariant(source, variant, 'jpeg')
      const decoded = await sharp(rendered.bytes).metadata()
      const size = variantSize(original, variant)
      t.same(
        [rendered.width, rendered.height, decoded.width, decoded.height],
        [size.width, size.height, size.width, size.height],
        `${original.width}×${original.height} ${variant}`,
      )
    }
  }
})

t.test('each format: its own magic bytes, its MIME type, and no metadata even from a camera original', async (t) => {
  // Straight from the camera (not through intake): GPS, XMP, orientation 6.
  const camera = await cameraJpeg()
  const MAGIC: Record<VariantFormat, string> = { webp: 'image/webp', avif: 'image/avif', jpeg: 'image/jpeg' }
  for (const format of VARIANT_FORMATS) {
    for (const variant of ['full', 'card'] as const) {
      const rendered = await renderVariant(camera, variant, format)
      t.equal(rendered.mimeType, MAGIC[format], `${variant}.${format}: mimeType`)
      t.equal((await fileTypeFromBuffer(rendered.bytes))?.mime, MAGIC[format], `${variant}.${format}: the bytes say so`)
      const metadata = await sharp(rendered.bytes).metadata()
      t.same(
        [metadata.exif, metadata.xmp, metadata.iptc, metadata.hasProfile, metadata.orientation],
        [undefined, undefined, undefined, false, undefined],
        `${variant}.${format}: no EXIF, XMP, IPTC, ICC or orientation`,
      )
      t.notOk(rendered.bytes.includes(XMP_CAPTION), `${variant}.${format}: no caption`)
      if (format !== 'webp') t.equal(await exifr.gps(rendered.bytes), undefined, `${variant}.${format}: no GPS (exifr)`)
    }
    // Displayed, the camera's picture is 200×300: full keeps it, card cuts 200×113 out of it.
    t.same(variantSize({ width: 200, height: 300 }, 'card'), { width: 200, height: 113 })
    const card = await renderVariant(camera, 'card', format)
    t.same([card.width, card.height], [200, 113], `${format}: cropped after orientation`)
  }
})

t.test('a transparent original: JPEG variants are flattened on white, WebP keeps the alpha', async (t) => {
  const transparent = await sharp({
    create: { width: 400, height: 400, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  })
    .png()
    .toBuffer()
  const jpeg = await renderVariant(transparent, 'thumb', 'jpeg')
  t.same(await meanColour(jpeg.bytes), { r: 255, g: 255, b: 255 })
  const webp = await renderVariant(transparent, 'thumb', 'webp')
  t.equal((await sharp(webp.bytes).metadata()).hasAlpha, true)
})

t.test('the focal point moves the crop', async (t) => {
  // 4000×1000 grey, with a green 1000×1000 square at the right end.
  const source = await withSquare(4000, 1000, GREY, { left: 3000, top: 0, size: 1000, colour: GREEN }).png().toBuffer()
  const isGreen = (c: { r: number; g: number; b: number }) => c.g > 230 && c.r < 25 && c.b < 25
  const isGrey = (c: { r: number; g: number; b: number }) => [c.r, c.g, c.b].every((v) => Math.abs(v - 128) < 8)
  t.ok(
    isGreen(await meanColour((await renderVariant(source, 'thumb', 'webp', { x: 1, y: 1 })).bytes)),
    'bottom-right corner: green',
  )
  t.ok(
    isGreen(await meanColour((await renderVariant(source, 'thumb', 'webp', { x: 0.9, y: 0.5 })).bytes)),
    'near the right: green',
  )
  t.ok(isGrey(await meanColour((await renderVariant(source, 'thumb', 'webp')).bytes)), 'centre: grey')
  t.ok(isGrey(await meanColour((await renderVariant(source, 'thumb', 'webp', { x: 0, y: 0 })).bytes)), 'top-left: grey')
})

t.test('names and formats: a fixed set', async (t) => {
  t.same(VARIANT_NAMES, ['thumb', 'card', 'hero', 'full'])
  t.same(VARIANT_FORMATS, ['webp', 'avif', 'jpeg'])
  // src/schemas may import nothing of src/media (the import rules), so the API's copies of these
  // lists are written out again there: held to the pipeline's own here.
  t.same(schemas.VARIANT_NAMES, VARIANT_NAMES, 'the schemas name the same variants')
  t.same(schemas.VARIANT_FORMATS, VARIANT_FORMATS, 'and the same formats')
  t.same(
    (schemas.MediaSchema.properties.mimeType as unknown as { enum: string[] }).enum,
    [...RASTER_MIME_TYPES, 'image/svg+xml'],
    'Media.mimeType lists what intake accepts (SVG where the operator allows it)',
  )
  t.same(Object.keys(schemas.MediaSchema.properties.variants.properties), [...VARIANT_NAMES])
  t.ok(
    Object.isFrozen(VARIANTS) && VARIANT_NAMES.every((name) => Object.isFrozen(VARIANTS[name])),
    'the table cannot be changed',
  )
  for (const name of VARIANT_NAMES) t.ok(isVariantName(name), name)
  for (const format of VARIANT_FORMATS) t.ok(isVariantFormat(format), format)
  for (const other of ['', 'THUMB', 'original', '320x320', 'toString', 'constructor', undefined, 3]) {
    t.notOk(isVariantName(other), `not a variant: ${String(other)}`)
    t.notOk(isVariantFormat(other), `not a format: ${String(other)}`)
  }
  t.notOk(isVariantFormat('png'))
  t.same(parseVariantFile('card.webp'), { variant: 'card', format: 'webp' })
  t.same(parseVariantFile('full.jpeg'), { variant: 'full', format: 'jpeg' })
  for (const file of [
    'card.png',
    'card.jpg',
    'huge.webp',
    'card.webp.exe',
    '../card.webp',
    'card',
    '.webp',
    'card..webp',
    'CARD.webp',
  ]) {
    t.equal(parseVariantFile(file), undefined, `refused: ${file}`)
  }
  const source = await solid(64, 64, GREY).png().toBuffer()
  await t.rejects(renderVariant(source, 'huge' as VariantName, 'webp'), RangeError)
  await t.rejects(renderVariant(source, 'thumb', 'png' as VariantFormat), RangeError)
})

t.test('srcset: the 16:9 pair with the widths they really have', async (t) => {
  t.same(SRCSET_VARIANTS, ['card', 'hero'])
  const url = (variant: VariantName) => `https://cms.example/media/m1/${variant}.webp`
  t.equal(
    srcsetOf(url, { width: 4000, height: 3000 }),
    'https://cms.example/media/m1/card.webp 800w, https://cms.example/media/m1/hero.webp 1600w',
  )
  t.equal(
    srcsetOf(url, { width: 1000, height: 1000 }),
    'https://cms.example/media/m1/card.webp 800w, https://cms.example/media/m1/hero.webp 1000w',
    'a hero smaller than its box says its real width',
  )
  t.equal(
    srcsetOf(url, { width: 500, height: 300 }),
    'https://cms.example/media/m1/card.webp 500w',
    'one width, listed once',
  )
  t.same(variantsOf(url, { width: 4000, height: 3000 }), {
    thumb: { url: 'https://cms.example/media/m1/thumb.webp', width: 320, height: 320 },
    card: { url: 'https://cms.example/media/m1/card.webp', width: 800, height: 450 },
    hero: { url: 'https://cms.example/media/m1/hero.webp', width: 1600, height: 900 },
    full: { url: 'https://cms.example/media/m1/full.webp', width: 2560, height: 1920 },
  })
})
