/**
 * Where an image ends: each container walked by its own length fields and markers, never
 * decoding (intake.ts uses it to find data hidden after an image, and to tell a truncated file
 * before a decoder sees it). Each walk answers an offset, or one of `TRUNCATED` (the container
 * ends before its image does) and `BROKEN` (its structure makes no sense).
 *
 * Pure: imports nothing.
 */
export const TRUNCATED = -1
export const BROKEN = -2
export type End = number

/** JPEG: marker segments to SOS, entropy-coded data to the next real marker, on to EOI. */
export function jpegEnd(b: Buffer): End {
  let p = 2
  for (;;) {
    if (p >= b.length) return TRUNCATED
    if (b[p] !== 0xff) return BROKEN
    while (b[p] === 0xff) p++ // fill bytes
    if (p >= b.length) return TRUNCATED
    const marker = b[p++]!
    if (marker === 0xd9) return p // EOI
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue // standalone: RSTn, TEM
    if (marker === 0x00 || marker === 0xd8) return BROKEN
    if (p + 2 > b.length) return TRUNCATED
    const length = b.readUInt16BE(p)
    if (length < 2) return BROKEN
    p += length
    if (p > b.length) return TRUNCATED
    if (marker === 0xda) {
      // A scan runs until a 0xFF that is neither stuffing (FF 00), a restart marker (FF D0–D7)
      // nor a fill byte before a marker.
      for (;;) {
        const ff = b.indexOf(0xff, p)
        if (ff === -1 || ff + 1 >= b.length) return TRUNCATED
        const next = b[ff + 1]!
        if (next === 0xff) p = ff + 1
        else if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) p = ff + 2
        else {
          p = ff
          break
        }
      }
    }
  }
}

/** PNG: length-prefixed chunks after the 8-byte signature, to IEND and its CRC. */
export function pngEnd(b: Buffer): End {
  let p = 8
  for (;;) {
    if (p + 8 > b.length) return TRUNCATED
    const length = b.readUInt32BE(p)
    const type = b.toString('latin1', p + 4, p + 8)
    if (length > 0x7fffffff || !/^[A-Za-z]{4}$/.test(type)) return BROKEN
    p += 12 + length
    if (p > b.length) return TRUNCATED
    if (type === 'IEND') return p
  }
}

/** GIF: header, colour tables, then blocks of length-prefixed sub-blocks, to the trailer (0x3B). */
export function gifEnd(b: Buffer): End {
  if (b.length < 13) return TRUNCATED
  let p = 13 + colourTableLength(b[10]!)
  let images = 0
  for (;;) {
    // Many encoders leave out the trailer; a file that stops cleanly after an image is whole.
    if (p === b.length && images > 0) return p
    if (p >= b.length) return TRUNCATED
    const block = b[p]!
    if (block === 0x3b) return p + 1
    if (block === 0x21) {
      p += 2 // an extension: introducer and label
    } else if (block === 0x2c) {
      // an image: a 10-byte descriptor, its colour table, the LZW minimum code size
      if (p + 10 > b.length) return TRUNCATED
      p += 10 + colourTableLength(b[p + 9]!) + 1
      images++
    } else {
      return BROKEN
    }
    for (;;) {
      if (p >= b.length) return TRUNCATED
      const size = b[p]!
      p += 1 + size
      if (size === 0) break
    }
  }
}

function colourTableLength(packed: number): number {
  return packed & 0x80 ? 3 * (1 << ((packed & 7) + 1)) : 0
}

/** WebP: a RIFF container states its own length (plus a pad byte when odd, which some encoders omit). */
export function webpEnd(b: Buffer): End {
  if (b.length < 12) return TRUNCATED
  const size = b.readUInt32LE(4)
  const end = 8 + size + (size & 1)
  if (end <= b.length) return end
  return 8 + size === b.length ? b.length : TRUNCATED
}

/**
 * AVIF (ISO BMFF): top-level boxes, each stating its size, tile the file. Once the image's
 * boxes are whole (`meta`, which describes it, and `mdat`, its data), whatever does not read
 * as a whole box is data after the image; before that, it is a truncated or broken file.
 */
export function isoBmffEnd(b: Buffer): End {
  let p = 0
  const seen = new Set<string>()
  const after = (otherwise: End): End => (seen.has('meta') && seen.has('mdat') ? p : otherwise)
  while (p < b.length) {
    if (p + 8 > b.length) return after(TRUNCATED)
    const type = b.toString('latin1', p + 4, p + 8)
    if (!/^[a-z0-9 ]{4}$/.test(type)) return after(BROKEN)
    let size = b.readUInt32BE(p)
    if (size === 0) return b.length // the last box runs to the end of the file
    if (size === 1) {
      if (p + 16 > b.length) return after(TRUNCATED)
      size = Number(b.readBigUInt64BE(p + 8))
    }
    if (size < 8) return after(BROKEN)
    if (p + size > b.length) return after(TRUNCATED)
    p += size
    seen.add(type)
  }
  return p
}
