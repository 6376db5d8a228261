import type { EmbeddedMediaRow, MediaRow } from '../db/queries/media.js'
import { srcsetOf, variantSize, type VariantFormat, type VariantName } from '../media/variants.js'
import type { Media } from '../schemas/media.js'
import { VARIANT_NAMES } from '../schemas/media.js'

// A media item as clients see it, made from its row: the library's answers (services/media.ts)
// and the images other resources embed (an article's cover, an author's avatar) go through here.

/** An embedded item (an article's cover, an author's avatar) as a row: its timestamps as dates. */
export const embedded = (media: EmbeddedMediaRow): MediaFacts => ({
  ...media,
  createdAt: new Date(media.createdAt),
  updatedAt: new Date(media.updatedAt),
})

/** What a representation is made from: the row, less what only the server uses. */
export type MediaFacts = Omit<MediaRow, 'storageKey' | 'uploadedBy'>

/**
 * The URL of one variant of an item at its crop version (`?v=`: what makes it cacheable for a
 * year; only a new focal point changes it).
 */
export function variantUrl(
  serverUrl: string,
  media: { id: string; cropVersion: number },
  variant: VariantName,
  format: VariantFormat = 'webp',
): string {
  return `${serverUrl}/media/${media.id}/${variant}.${format}?v=${media.cropVersion}`
}

/** The representation: facts, metadata, and ready URLs for the variants (none generated yet, maybe). */
export function toMedia(row: MediaFacts, serverUrl: string): Media {
  const url = (variant: VariantName) => variantUrl(serverUrl, row, variant)
  const original = { width: row.width, height: row.height }
  const variants = Object.fromEntries(
    VARIANT_NAMES.map((name) => [name, { url: url(name), ...variantSize(original, name) }]),
  ) as Media['variants']
  return {
    id: row.id,
    mimeType: row.mimeType as Media['mimeType'],
    width: row.width,
    height: row.height,
    bytes: row.bytes,
    alt: row.alt,
    caption: row.caption,
    credit: row.credit,
    license: row.license,
    focalPoint: { x: row.focalX, y: row.focalY },
    placeholder: { color: row.placeholderColor, thumbhash: row.thumbhash },
    public: row.public,
    variants,
    srcset: srcsetOf(url, original),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}
