/**
 * Safe intake: an uploaded file's bytes in, either a clean image (re-encoded, upright, every
 * byte of metadata gone) with the facts the API reports about it, or a refusal that says which
 * rule the file broke. Uploads are where CMSes get breached (SVG and HTML served from the
 * site's own origin, MIME allowlists skipped, decompression bombs) and where newsrooms leak
 * (a source's home in a photo's GPS tags), so the rules are checked in the order that lets the
 * least of a hostile file reach a decoder:
 *
 * 1. `empty`, then `too-large` from the length alone, before anything parses the bytes.
 * 2. The type from the bytes (`file-type`'s magic numbers), never from the client's file name
 *    or Content-Type: an allowlist of JPEG, PNG, WebP, AVIF and GIF. HTML renamed `.jpg` is
 *    `unsupported-type`. SVG (text, which file-type does not claim) is sniffed here and
 *    refused unless the operator allows it (below).
 * 3. Polyglots, by reading the bytes ourselves (pure JavaScript, no decoder): markup a browser
 *    or a PHP interpreter would act on anywhere in the file, the GIF header that opens a
 *    JavaScript comment, and data after the image's end as its container states it (an
 *    appended HTML page, ZIP or script). All `unsupported-type`: the file is not only an image.
 *    A container that ends before its image does is `undecodable` (truncated).
 * 4. `too-many-pixels` from the header (sharp's `metadata()`, which reads no pixel data), so a
 *    20000×20000 PNG of a few kilobytes is refused in milliseconds; sharp's
 *    `limitInputPixels` enforces the same number again while decoding.
 * 5. In an image slot (limits.ts: one decode at a time by default), a real decode and
 *    re-encode in the same format, with sharp's `failOn: 'warning'`, the level sharp
 *    recommends for untrusted input: a JPEG cut short and given a fake end marker decodes
 *    with `'error'` (its lower part grey) but not with `'warning'`. Orientation is applied
 *    first (`autoOrient`), colour is converted to sRGB from any embedded profile, and the
 *    output carries no EXIF, GPS, XMP, IPTC, comments or ICC profile (sharp writes none
 *    unless asked). A decode failure is `undecodable`.
 *
 * Animated GIF and WebP keep their first frame only: one decode of one frame is what the
 * pixel limit and the memory budget reason about, and every variant is a still anyway.
 *
 * SVG, when `allowSvg` is on, is accepted only if it holds nothing that can run or fetch:
 * no script, foreignObject, event handler, animation (`<set>`/`<animate>` can rewrite an
 * href), entity declarations, or reference to anything but a fragment of itself. It is then
 * stored exactly as uploaded, never rewritten (a sanitizer that rewrites is a parser whose
 * differences from the browser's are the next bypass), and the routes must only ever serve it
 * as a download (`Content-Disposition: attachment`, with the sandbox CSP), never inline.
 *
 * Pure apart from CPU: no file or network I/O; imports only npm packages, node: builtins and
 * src/media/*.
 */
import { fileTypeFromBuffer } from 'file-type'
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp'
import { rgbaToThumbHash } from 'thumbhash'
import { withImageSlot } from './limits.js'
import { BROKEN, TRUNCATED, gifEnd, isoBmffEnd, jpegEnd, pngEnd, webpEnd, type End } from './containers.js'
import { SVG_DANGERS, looksLikeSvg } from './svg.js'

/** The operator's limits (config: MEDIA_MAX_BYTES, MEDIA_MAX_PIXELS, MEDIA_ALLOW_SVG). */
export interface IntakeLimits {
  maxBytes: number
  maxPixels: number
  allowSvg: boolean
}

/** The raster types accepted, decided by the bytes. */
export const RASTER_MIME_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif'] as const
export type RasterMimeType = (typeof RASTER_MIME_TYPES)[number]
export type AcceptedMimeType = RasterMimeType | 'image/svg+xml'

/** What a frontend shows before the image arrives. */
export interface Placeholder {
  /** The dominant colour, `#rrggbb` (transparent areas count as white). */
  color: string
  /** A ThumbHash (https://evanw.github.io/thumbhash/), base64. */
  thumbhash: string
}

export interface AcceptedImage {
  /** What to store: re-encoded and stripped (an SVG: the uploaded bytes, checked). */
  bytes: Buffer
  mimeType: AcceptedMimeType
  /** Width and height as displayed: after orientation. */
  width: number
  height: number
  placeholder: Placeholder
}

/**
 * The refusals, one kind each; the routes map them to statuses (415 for `unsupported-type`,
 * 413 for `too-large` and `too-many-pixels`, 422 for `undecodable` and `empty`).
 */
export type RefusalKind = 'unsupported-type' | 'too-large' | 'too-many-pixels' | 'undecodable' | 'empty'

/**
 * A file intake will not take. `detail` is a sentence for the uploader that names the rule
 * and, for the limits, the number (`message` is the same text); `limit` is that number. A
 * decoder's own words are kept as the `cause`, for logs, not for clients.
 */
export class ImageRefused extends Error {
  constructor(
    readonly kind: RefusalKind,
    readonly detail: string,
    readonly limit?: number,
    options?: ErrorOptions,
  ) {
    super(detail, options)
    this.name = 'ImageRefused'
  }
}

/**
 * Checks `bytes` against every rule above and returns the image to store, or throws
 * `ImageRefused`. Only the decode and re-encode wait for an image slot; refusals from the
 * length, type, structure or header answer at once.
 */
export async function inspectImage(bytes: Buffer, limits: IntakeLimits): Promise<AcceptedImage> {
  if (bytes.length === 0) throw new ImageRefused('empty', 'The file is empty (0 bytes).')
  if (bytes.length > limits.maxBytes) {
    throw new ImageRefused(
      'too-large',
      `The file is ${grouped(bytes.length)} bytes, over the limit of ${grouped(limits.maxBytes)} bytes (${mebibytes(limits.maxBytes)}).`,
      limits.maxBytes,
    )
  }
  const detected = (await fileTypeFromBuffer(bytes))?.mime
  const type = detected === undefined ? undefined : RASTER_OF[detected]
  if (type === undefined) {
    if (looksLikeSvg(bytes)) return acceptSvg(bytes, limits)
    throw new ImageRefused(
      'unsupported-type',
      `The file is not a JPEG, PNG, WebP, AVIF or GIF image (its bytes ${detected ? `are ${detected}` : 'match no image format'}).`,
    )
  }
  refusePolyglot(bytes, type)
  const header = await readHeader(bytes, type)
  refuseTooManyPixels(header.width, header.height, limits.maxPixels)
  return withImageSlot(() => reencode(bytes, type, limits.maxPixels))
}

// ---------------------------------------------------------------------------------------------
// Types

interface RasterFormat {
  /** For messages. */
  name: string
  /** What sharp's `metadata().format` says for it. */
  sharpFormat: string
  /** The re-encode: the stored original is the source of every variant, so quality is high. */
  encode: (image: Sharp) => Sharp
  /** Where the image ends by its container's own structure (the walks below). */
  end: (bytes: Buffer) => End
}

const RASTER: Record<RasterMimeType, RasterFormat> = {
  // No Huffman optimisation (nor mozjpeg, which implies it): it keeps every DCT coefficient of
  // the picture in memory for a second pass (130 MB more for a 24-megapixel photo, and ten
  // times the time with mozjpeg) to save a few percent of a file no reader downloads.
  'image/jpeg': {
    name: 'JPEG',
    sharpFormat: 'jpeg',
    encode: (i) => i.jpeg({ quality: 90, optimiseCoding: false }),
    end: jpegEnd,
  },
  'image/png': { name: 'PNG', sharpFormat: 'png', encode: (i) => i.png(), end: pngEnd },
  'image/webp': { name: 'WebP', sharpFormat: 'webp', encode: (i) => i.webp({ quality: 90 }), end: webpEnd },
  // effort 2: AVIF encoding is the slowest thing here (libaom), and effort 4 costs four times
  // the time for a tenth fewer bytes.
  'image/avif': {
    name: 'AVIF',
    sharpFormat: 'heif',
    encode: (i) => i.avif({ quality: 70, effort: 2 }),
    end: isoBmffEnd,
  },
  'image/gif': { name: 'GIF', sharpFormat: 'gif', encode: (i) => i.gif(), end: gifEnd },
}

/** file-type's answers that we take, and as what: an APNG is a PNG (its first frame, below). */
const RASTER_OF: Record<string, RasterMimeType | undefined> = {
  'image/jpeg': 'image/jpeg',
  'image/png': 'image/png',
  'image/apng': 'image/png',
  'image/webp': 'image/webp',
  'image/avif': 'image/avif',
  'image/gif': 'image/gif',
}

// ---------------------------------------------------------------------------------------------
// Polyglots

/**
 * Markup that makes a file something else too: HTML a browser would render (were the bytes
 * ever sniffed as HTML), script URLs and handlers, PHP. Each signature is at least six bytes,
 * so compressed pixel data (close to random bytes) matches one, case variants included, by
 * chance about once in 40,000 files of 25 MB, once in 300,000 photos of 3 MB. JavaScript words
 * that prose uses ("document.", "alert(") are left out: captions in XMP and IPTC are prose.
 */
const MARKUP =
  /<script|<html[\s>]|<body[\s>]|<iframe|<embed[\s>]|<object[\s>]|<!doctype|<\?php\s|javascript:|onerror\s*=|onload\s*=/i

/**
 * The GIF/JavaScript trick: "GIF89a" is a valid identifier, so a file whose next bytes (the
 * screen width) open a comment or a string can be a script too (`GIF89a/*…*\/=alert(1)`).
 * Those widths are 8765 pixels and up.
 */
const GIF_SCRIPT_HEADER = /^GIF8[79]a(?:\/[*/]|=['"`])/

function refusePolyglot(bytes: Buffer, type: RasterMimeType): void {
  const markup = findMarkup(bytes)
  if (markup !== undefined) {
    throw new ImageRefused(
      'unsupported-type',
      `The file carries markup ("${markup}") besides the image; images with embedded HTML or script are refused.`,
    )
  }
  if (type === 'image/gif' && GIF_SCRIPT_HEADER.test(bytes.toString('latin1', 0, 8))) {
    throw new ImageRefused('unsupported-type', 'The GIF header is written to be read as JavaScript too; it is refused.')
  }
  const end = RASTER[type].end(bytes)
  if (end === TRUNCATED) {
    throw new ImageRefused('undecodable', `The file ends before the ${RASTER[type].name} image does: it is truncated.`)
  }
  if (end === BROKEN) throw new ImageRefused('undecodable', `The ${RASTER[type].name} image's structure is broken.`)
  const trailing = bytes.subarray(end)
  if (
    trailing.length > 0 &&
    !trailing.every((byte) => byte === 0) &&
    !(type === 'image/jpeg' && isCameraTrailer(trailing))
  ) {
    throw new ImageRefused(
      'unsupported-type',
      `The file carries ${grouped(trailing.length)} bytes after the end of the ${RASTER[type].name} image (an appended file?); it is refused.`,
    )
  }
}

/**
 * The first `MARKUP` match, read 1 MB at a time (as latin1: one character per byte) so that a
 * 25 MB upload does not become a 25 MB string; chunks overlap by more than any signature's
 * length, so none is missed at a boundary.
 */
function findMarkup(bytes: Buffer): string | undefined {
  const chunk = 1 << 20
  const overlap = 64
  for (let start = 0; start < bytes.length; start += chunk) {
    const match = MARKUP.exec(bytes.toString('latin1', start, Math.min(bytes.length, start + chunk + overlap)))
    if (match) return match[0].trim()
  }
  return undefined
}

/**
 * What cameras put after a JPEG's end, which is not a polyglot: more JPEGs (the Multi-Picture
 * Format: HDR gain maps, depth maps), an MP4 (Google's and Apple's motion photos) or Samsung's
 * trailer (ends in "SEFT"). Its bytes were searched for markup with the rest, and it is not
 * stored: the re-encode keeps the first image only.
 */
function isCameraTrailer(trailing: Buffer): boolean {
  return (
    (trailing[0] === 0xff && trailing[1] === 0xd8) ||
    trailing.toString('latin1', 4, 8) === 'ftyp' ||
    trailing.toString('latin1', trailing.length - 4) === 'SEFT'
  )
}

// ---------------------------------------------------------------------------------------------
// Header, pixels, decode

async function readHeader(bytes: Buffer, type: RasterMimeType): Promise<{ width: number; height: number }> {
  let metadata: Metadata
  try {
    // The header only: no pixel is decoded, so no pixel limit is needed yet (the check below
    // names the image's size, which sharp's own refusal would not).
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata()
  } catch (error) {
    throw undecodable(type, error)
  }
  if (metadata.format !== RASTER[type].sharpFormat) {
    throw new ImageRefused(
      'undecodable',
      `The file starts like a ${RASTER[type].name} image but does not decode as one.`,
    )
  }
  return { width: metadata.width, height: metadata.height }
}

function refuseTooManyPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new ImageRefused(
      'too-many-pixels',
      `The image is ${width}×${height} (${grouped(width * height)} pixels), over the limit of ${grouped(maxPixels)} pixels.`,
      maxPixels,
    )
  }
}

/** A decoder's failure as a refusal; sharp's own pixel-limit refusal stays `too-many-pixels`. */
function undecodable(type: RasterMimeType | 'image/svg+xml', error: unknown): ImageRefused {
  const name = type === 'image/svg+xml' ? 'SVG' : RASTER[type].name
  const cause = { cause: error }
  if (error instanceof Error && /pixel limit/i.test(error.message)) {
    return new ImageRefused('too-many-pixels', `The ${name} image is over the pixel limit.`, undefined, cause)
  }
  return new ImageRefused(
    'undecodable',
    `The ${name} image could not be decoded: it is corrupt or truncated.`,
    undefined,
    cause,
  )
}

async function reencode(bytes: Buffer, type: RasterMimeType, maxPixels: number): Promise<AcceptedImage> {
  let output: { data: Buffer; info: OutputInfo }
  try {
    const image = sharp(bytes, { failOn: 'warning', limitInputPixels: maxPixels, autoOrient: true })
    output = await RASTER[type].encode(image).toBuffer({ resolveWithObject: true })
  } catch (error) {
    throw undecodable(type, error)
  }
  return {
    bytes: output.data,
    mimeType: type,
    width: output.info.width,
    height: output.info.height,
    placeholder: await placeholderOf(sharp(output.data)),
  }
}

/**
 * The dominant colour (sharp's `stats().dominant`, a 4096-bin histogram) and a ThumbHash,
 * both from one thumbnail of at most 100×100 (ThumbHash's limit) read back from the stored
 * bytes: the dominant colour of a thumbnail is the image's, and the histogram of 10,000
 * pixels costs nothing next to one of 24 million.
 */
async function placeholderOf(image: Sharp): Promise<Placeholder> {
  const { data, info } = await image
    .resize(100, 100, { fit: 'inside', withoutEnlargement: true })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const thumbhash = Buffer.from(rgbaToThumbHash(info.width, info.height, data)).toString('base64')
  const { dominant } = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
    .flatten({ background: '#ffffff' })
    .stats()
  const hex = (n: number) => n.toString(16).padStart(2, '0')
  return { color: `#${hex(dominant.r)}${hex(dominant.g)}${hex(dominant.b)}`, thumbhash }
}

// ---------------------------------------------------------------------------------------------
// SVG

async function acceptSvg(bytes: Buffer, limits: IntakeLimits): Promise<AcceptedImage> {
  if (!limits.allowSvg) {
    throw new ImageRefused(
      'unsupported-type',
      'SVG images are not accepted here: they can carry scripts. Upload a PNG or WebP.',
    )
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new ImageRefused('unsupported-type', 'The SVG is not valid UTF-8 text.')
  }
  for (const [pattern, what] of SVG_DANGERS) {
    if (pattern.test(text)) throw new ImageRefused('unsupported-type', `The SVG carries ${what}; it is refused.`)
  }
  let header: Metadata
  try {
    header = await sharp(bytes, { limitInputPixels: false }).metadata()
  } catch (error) {
    throw undecodable('image/svg+xml', error)
  }
  if (header.format !== 'svg') throw new ImageRefused('undecodable', 'The SVG does not decode as one.')
  refuseTooManyPixels(header.width, header.height, limits.maxPixels)
  const placeholder = await withImageSlot(async () => {
    try {
      return await placeholderOf(sharp(bytes, { failOn: 'warning', limitInputPixels: limits.maxPixels }))
    } catch (error) {
      throw undecodable('image/svg+xml', error)
    }
  })
  return { bytes, mimeType: 'image/svg+xml', width: header.width, height: header.height, placeholder }
}

// ---------------------------------------------------------------------------------------------

/** 26214400 → "26,214,400": the same in every locale. */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/** 26214400 → "25 MiB". */
function mebibytes(n: number): string {
  return `${Number((n / 1024 / 1024).toFixed(2))} MiB`
}
