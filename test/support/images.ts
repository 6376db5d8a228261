import { crc32, deflateSync } from 'node:zlib'
import sharp, { type Sharp } from 'sharp'

/**
 * Test images, built with sharp (or by hand, byte by byte, where sharp would refuse to write
 * the hostile thing) when a test runs: no binary fixtures, nothing from the network, and each
 * test says the facts it depends on (size, colours, tags) in its own call.
 */

export interface Rgb {
  r: number
  g: number
  b: number
}

export const RED: Rgb = { r: 255, g: 0, b: 0 }
export const GREEN: Rgb = { r: 0, g: 255, b: 0 }
export const BLUE: Rgb = { r: 0, g: 0, b: 255 }
export const GREY: Rgb = { r: 128, g: 128, b: 128 }

/** A `width`×`height` image of one colour, not yet encoded. */
export function solid(width: number, height: number, colour: Rgb): Sharp {
  return sharp({ create: { width, height, channels: 3, background: colour } })
}

/** `colour` everywhere, with a `square` of `squareColour` whose top-left corner is at (left, top). */
export function withSquare(
  width: number,
  height: number,
  colour: Rgb,
  square: { left: number; top: number; size: number; colour: Rgb },
): Sharp {
  const patch = { create: { width: square.size, height: square.size, channels: 3 as const, background: square.colour } }
  return solid(width, height, colour).composite([{ input: patch, left: square.left, top: square.top }])
}

export const GPS = { latitude: 51.5, longitude: -0.125 }
export const CAMERA_MAKE = 'BroadsheetTestCam'
export const XMP_CAPTION = 'Source meets reporter at the usual place'

/**
 * A camera JPEG as phones write them: 300×200 stored pixels, blue with a red 30×30 square in
 * the stored top-left corner, EXIF orientation 6 (display rotated 90° clockwise, so the red
 * square shows top-right of a 200×300 picture), GPS coordinates (`GPS`), a camera make and an
 * XMP caption.
 */
export async function cameraJpeg(): Promise<Buffer> {
  return withSquare(300, 200, BLUE, { left: 0, top: 0, size: 30, colour: RED })
    .jpeg({ quality: 95 })
    .withExif({
      IFD0: { Make: CAMERA_MAKE, Model: 'Model 1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: '51/1 30/1 0/1',
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 30/1',
      },
    })
    .withMetadata({ orientation: 6 })
    .withXmp(
      `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
        `<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description>${XMP_CAPTION}</dc:description>` +
        `</rdf:Description></rdf:RDF></x:xmpmeta>`,
    )
    .toBuffer()
}

export type SampleFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif'

/** A `width`×`height` image in `format`: left half orange, right half teal. */
export async function sample(format: SampleFormat, width: number, height: number): Promise<Buffer> {
  const half = Math.floor(width / 2)
  const right = { create: { width: width - half, height, channels: 3 as const, background: '#008080' } }
  return sharp({ create: { width, height, channels: 3, background: '#ff8000' } })
    .composite([{ input: right, left: half, top: 0 }])
    .toFormat(format)
    .toBuffer()
}

/** An animated GIF, `width`×`height`, one frame per colour. */
export async function animatedGif(width: number, height: number, colours: Rgb[]): Promise<Buffer> {
  const frames = await Promise.all(colours.map((colour) => solid(width, height, colour).png().toBuffer()))
  return sharp(frames, { join: { animated: true } })
    .gif({ loop: 0, delay: colours.map(() => 100) })
    .toBuffer()
}

/**
 * A JPEG of pseudo-random noise (the same bytes for the same seed): compressed data that looks
 * like random bytes, where a careless markup scan would find false "tags".
 */
export async function noiseJpeg(width: number, height: number, seed = 1): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3)
  let state = seed >>> 0 || 1
  for (let i = 0; i < pixels.length; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    pixels[i] = state & 0xff
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 92 })
    .toBuffer()
}

/** A JPEG with a comment segment (COM, FF FE) right after its start marker. */
export function jpegWithComment(jpeg: Buffer, text: string): Buffer {
  const body = Buffer.from(text, 'latin1')
  const segment = Buffer.alloc(4)
  segment.writeUInt16BE(0xfffe, 0)
  segment.writeUInt16BE(body.length + 2, 2)
  return Buffer.concat([jpeg.subarray(0, 2), segment, body, jpeg.subarray(2)])
}

export function appended(bytes: Buffer, tail: Buffer | string): Buffer {
  return Buffer.concat([bytes, typeof tail === 'string' ? Buffer.from(tail, 'latin1') : tail])
}

/** An HTML page, as someone would rename it `photo.jpg`. */
export const HTML_PAGE = Buffer.from(
  '<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>\n',
)

/**
 * The GIF/JavaScript polyglot: a valid GIF whose screen width bytes are `/*`, so
 * `GIF89a/*` opens a script comment, and a comment extension before the trailer closes it and
 * runs code. No data after the trailer and no HTML tag: only the header gives it away.
 */
export function gifScriptPolyglot(gif: Buffer): Buffer {
  const patched = Buffer.from(gif)
  patched.write('/*', 6, 'latin1')
  const trailer = patched.lastIndexOf(0x3b)
  const script = Buffer.from('*/=alert(document.domain)//', 'latin1')
  const comment = Buffer.concat([Buffer.from([0x21, 0xfe, script.length]), script, Buffer.from([0])])
  return Buffer.concat([patched.subarray(0, trailer), comment, patched.subarray(trailer)])
}

/** A ZIP archive holding one stored file: what a GIFAR-style polyglot appends to an image. */
export function zipArchive(name: string, content: string): Buffer {
  const data = Buffer.from(content)
  const fileName = Buffer.from(name)
  const crc = crc32(data)
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0)
  local.writeUInt16LE(10, 4)
  local.writeUInt32LE(crc, 14)
  local.writeUInt32LE(data.length, 18)
  local.writeUInt32LE(data.length, 22)
  local.writeUInt16LE(fileName.length, 26)
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0)
  central.writeUInt16LE(20, 4)
  central.writeUInt16LE(10, 6)
  central.writeUInt32LE(crc, 16)
  central.writeUInt32LE(data.length, 20)
  central.writeUInt32LE(data.length, 24)
  central.writeUInt16LE(fileName.length, 28)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(1, 8)
  end.writeUInt16LE(1, 10)
  end.writeUInt32LE(central.length + fileName.length, 12)
  end.writeUInt32LE(local.length + fileName.length + data.length, 16)
  return Buffer.concat([local, fileName, data, central, fileName, end])
}

/**
 * A decompression bomb: a valid 1-bit greyscale PNG of `width`×`height` black pixels, whose
 * rows of zeros deflate to almost nothing (20000×20000 is 400 megapixels in about 50 KB).
 * Built by hand because sharp would spend seconds encoding 400 megapixels.
 */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 1 // bit depth
  ihdr[9] = 0 // greyscale
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8))) // each row: filter byte 0, then zeros
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(rows, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** The first `fraction` of the bytes: a download or upload cut short. */
export function truncated(bytes: Buffer, fraction: number): Buffer {
  return Buffer.from(bytes.subarray(0, Math.floor(bytes.length * fraction)))
}

/**
 * A JPEG cut short and given an end marker again (FF D9), as a careless repair tool leaves
 * it: every marker is where it should be, but the scan's data stops early.
 */
export function truncatedWithEnd(jpeg: Buffer, fraction: number): Buffer {
  return appended(truncated(jpeg, fraction), Buffer.from([0xff, 0xd9]))
}

/** The PNG with one byte of its pixel data (IDAT) changed, so the chunk's CRC no longer matches. */
export function corruptedPng(png: Buffer): Buffer {
  const copy = Buffer.from(png)
  const at = copy.indexOf('IDAT', 8, 'latin1') + 4 + 10
  copy[at] = copy[at]! ^ 0xff
  return copy
}

/** An SVG document of `width`×`height` with `body` inside the root element. */
export function svg(body: string, width = 120, height = 80): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" ` +
      `xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
      `${body}</svg>\n`,
  )
}

export const CLEAN_SVG_BODY =
  '<defs><linearGradient id="g"><stop offset="0" stop-color="#c86838"/><stop offset="1" stop-color="#c86838"/></linearGradient>' +
  '<rect id="r" width="120" height="80" fill="url(#g)"/></defs><use xlink:href="#r"/>'

/** A JPEG whose pixels are in Display P3 with the profile embedded: `colour` as sRGB, converted to P3 numbers. */
export async function displayP3Jpeg(colour: Rgb): Promise<Buffer> {
  return solid(16, 16, colour).withIccProfile('p3').jpeg({ quality: 100 }).toBuffer()
}

/** The RGB of the pixel at (x, y) of any image sharp reads. */
export async function pixelAt(bytes: Buffer, x: number, y: number): Promise<Rgb> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  const i = (y * info.width + x) * info.channels
  return { r: data[i]!, g: data[i + 1]!, b: data[i + 2]! }
}

/** The mean of each channel over the whole image. */
export async function meanColour(bytes: Buffer): Promise<Rgb> {
  const { channels } = await sharp(bytes).stats()
  const [r, g, b] = channels.map((channel) => Math.round(channel.mean))
  return { r: r!, g: g!, b: b! }
}
