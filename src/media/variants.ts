/**
 * Delivery variants: the only sizes and formats an image is ever served in. A fixed table
 * rather than `?w=&h=` parameters, because every distinct size a client can ask for is a
 * decode and an encode the server pays for (the resize-DoS of open image proxies) and a copy
 * the store keeps; four names times three formats is twelve files per image at most, and a
 * request for anything else is a 404 before any pixel is read.
 *
 * The three cropped variants are cut around the image's focal point: the largest window of the
 * variant's aspect ratio the image holds, centred on the focal point as far as the edges
 * allow, then scaled down to the variant's box. `full` is the whole picture fitted inside
 * 2560×2560. Nothing is ever enlarged: a source smaller than a box gives the window at the
 * source's own resolution, so a variant can be smaller than its name says, and
 * `variantSize` says by how much without decoding anything (the API lists widths before any
 * variant exists; a test holds `variantSize` to what `renderVariant` makes).
 *
 * Every variant is encoded from the stored original (intake.ts has already stripped and
 * oriented it), inside an image slot (limits.ts), with no metadata written.
 *
 * Pure apart from CPU: imports only npm packages and src/media/*.
 */
import sharp, { type Sharp } from 'sharp'
import { withImageSlot } from './limits.js'

export const VARIANT_NAMES = ['thumb', 'card', 'hero', 'full'] as const
export type VariantName = (typeof VARIANT_NAMES)[number]

export const VARIANT_FORMATS = ['webp', 'avif', 'jpeg'] as const
export type VariantFormat = (typeof VARIANT_FORMATS)[number]

export interface Size {
  width: number
  height: number
}

/** A variant's box; `crop`: cut to the box's aspect ratio (around the focal point) rather than fit inside it. */
export interface VariantSpec extends Size {
  crop: boolean
}

export const VARIANTS: Readonly<Record<VariantName, Readonly<VariantSpec>>> = Object.freeze({
  thumb: Object.freeze({ width: 320, height: 320, crop: true }),
  card: Object.freeze({ width: 800, height: 450, crop: true }),
  hero: Object.freeze({ width: 1600, height: 900, crop: true }),
  full: Object.freeze({ width: 2560, height: 2560, crop: false }),
})

export const FORMAT_MIME_TYPES = {
  webp: 'image/webp',
  avif: 'image/avif',
  jpeg: 'image/jpeg',
} as const satisfies Record<VariantFormat, string>

/**
 * Quality for delivery: about what image CDNs default to. AVIF at effort 2 (of 0–9): effort 4
 * takes three times as long on a 2560-pixel image for a tenth fewer bytes, and the first
 * request for a variant waits for it; with 4:2:0 chroma, like JPEG's, libaom needs about 65 MB
 * for `full` instead of 115 MB. mozjpeg's two-pass coding holds the picture's coefficients,
 * which at 2560 pixels is a few megabytes. JPEG has no alpha channel, so transparency becomes
 * white.
 */
const ENCODE: Record<VariantFormat, (image: Sharp) => Sharp> = {
  webp: (image) => image.webp({ quality: 80 }),
  avif: (image) => image.avif({ quality: 50, effort: 2, chromaSubsampling: '4:2:0' }),
  jpeg: (image) => image.flatten({ background: '#ffffff' }).jpeg({ quality: 82, mozjpeg: true, progressive: true }),
}

/** Where the picture's subject is, each coordinate 0..1 from the left and top edges. */
export interface FocalPoint {
  x: number
  y: number
}

export const CENTRE: Readonly<FocalPoint> = Object.freeze({ x: 0.5, y: 0.5 })

export function isVariantName(value: unknown): value is VariantName {
  return typeof value === 'string' && (VARIANT_NAMES as readonly string[]).includes(value)
}

export function isVariantFormat(value: unknown): value is VariantFormat {
  return typeof value === 'string' && (VARIANT_FORMATS as readonly string[]).includes(value)
}

/** A route's `<variant>.<format>` (e.g. `card.webp`), or undefined for anything else. */
export function parseVariantFile(file: string): { variant: VariantName; format: VariantFormat } | undefined {
  const [variant, format, extra] = file.split('.')
  return extra === undefined && isVariantName(variant) && isVariantFormat(format) ? { variant, format } : undefined
}

/** A region of an image, in whole pixels. */
export interface CropWindow extends Size {
  left: number
  top: number
}

/**
 * The largest window of aspect ratio `targetAspect` (width / height) that fits in a
 * `width`×`height` image, centred on `focal` and then moved inside the image where the centre
 * would put it over an edge. A focal coordinate outside 0..1 is clamped; one that is not a
 * number is the centre.
 */
export function cropWindow(
  width: number,
  height: number,
  targetAspect: number,
  focal: FocalPoint = CENTRE,
): CropWindow {
  const wider = width / height > targetAspect
  const w = wider ? Math.min(width, Math.max(1, Math.round(height * targetAspect))) : width
  const h = wider ? height : Math.min(height, Math.max(1, Math.round(width / targetAspect)))
  return {
    left: place(unit(focal.x) * width - w / 2, width - w),
    top: place(unit(focal.y) * height - h / 2, height - h),
    width: w,
    height: h,
  }
}

function unit(n: number): number {
  return Number.isNaN(n) ? 0.5 : Math.min(1, Math.max(0, n))
}

function place(start: number, max: number): number {
  return Math.min(max, Math.max(0, Math.round(start)))
}

/**
 * The size `renderVariant` makes for an image of `original`'s size (as displayed), computed
 * without decoding: a cropped variant is its box when the crop window covers the box, else
 * the window as it is (never enlarged); `full` is the image scaled to fit inside its box, or
 * as it is when it fits.
 */
export function variantSize(original: Size, variant: VariantName): Size {
  const spec = VARIANTS[variant]
  if (!spec.crop) return fitInside(original, spec)
  const window = cropWindow(original.width, original.height, spec.width / spec.height)
  if (window.width >= spec.width && window.height >= spec.height) return { width: spec.width, height: spec.height }
  return fitInside(window, spec)
}

function fitInside(source: Size, box: Size): Size {
  const scale = Math.min(1, box.width / source.width, box.height / source.height)
  if (scale === 1) return { width: source.width, height: source.height }
  return {
    width: Math.max(1, Math.round(source.width * scale)),
    height: Math.max(1, Math.round(source.height * scale)),
  }
}

export interface RenderedVariant extends Size {
  bytes: Buffer
  mimeType: (typeof FORMAT_MIME_TYPES)[VariantFormat]
}

/**
 * Makes one variant of a stored original: crop window around `focal` (cropped variants), then
 * a resize to exactly `variantSize`'s answer (sharp's own rounding of a fit could differ by a
 * pixel from the width the API already announced), then the format's encoder. Waits for an
 * image slot. The original has passed intake, so decoding is only as strict as `'error'`.
 */
export async function renderVariant(
  original: Buffer,
  variant: VariantName,
  format: VariantFormat,
  focal: FocalPoint = CENTRE,
): Promise<RenderedVariant> {
  // The types say so already; this is for a caller that got its names from a URL unchecked.
  if (!isVariantName(variant) || !isVariantFormat(format)) throw new RangeError(`no variant ${variant}.${format}`)
  return withImageSlot(async () => {
    const image = sharp(original, { autoOrient: true, failOn: 'error' })
    const displayed = (await image.metadata()).autoOrient
    const spec = VARIANTS[variant]
    let source: Size = displayed
    if (spec.crop) {
      const window = cropWindow(displayed.width, displayed.height, spec.width / spec.height, focal)
      image.extract(window)
      source = window
    }
    const size = variantSize(displayed, variant)
    if (size.width !== source.width || size.height !== source.height) {
      image.resize(size.width, size.height, { fit: 'fill' })
    }
    const { data, info } = await ENCODE[format](image).toBuffer({ resolveWithObject: true })
    return { bytes: data, width: info.width, height: info.height, mimeType: FORMAT_MIME_TYPES[format] }
  })
}

/**
 * The variants a `srcset` offers: card and hero, the 16:9 pair. A srcset's candidates must be
 * the same picture at different resolutions (the browser picks by width alone), so it can
 * only hold variants of one aspect ratio; `thumb` (square) and `full` (the original's own
 * ratio) are each a `src` of their own.
 */
export const SRCSET_VARIANTS = ['card', 'hero'] as const satisfies readonly VariantName[]

/**
 * `"<card url> 800w, <hero url> 1600w"` with the widths the variants really have; when a small
 * original makes both the same width, only the smaller variant is listed (a srcset must not
 * offer one width twice). `urlFor` picks the format.
 */
export function srcsetOf(urlFor: (variant: VariantName) => string, original: Size): string {
  const widths = new Set<number>()
  const candidates: string[] = []
  for (const variant of SRCSET_VARIANTS) {
    const { width } = variantSize(original, variant)
    if (widths.has(width)) continue
    widths.add(width)
    candidates.push(`${urlFor(variant)} ${width}w`)
  }
  return candidates.join(', ')
}

/** The API's `variants` object: each variant's URL (from `urlFor`) and real size. */
export function variantsOf(
  urlFor: (variant: VariantName) => string,
  original: Size,
): Record<VariantName, { url: string } & Size> {
  const entry = (variant: VariantName) => ({ url: urlFor(variant), ...variantSize(original, variant) })
  return { thumb: entry('thumb'), card: entry('card'), hero: entry('hero'), full: entry('full') }
}
