import type { Media as MediaModel, MediaVariant as MediaVariantModel } from '../../generated/prisma/client.js'
import {
  fetchPage,
  timestampValue,
  type CursorCodec,
  type ListMeta,
  type ListSpec,
  type Pagination,
} from '../paging.js'
import { empty, join, raw, sql, type Query, type Sql } from '../sql.js'

export type MediaRow = MediaModel
export type MediaVariantRow = MediaVariantModel

/** Each column a media answer is made from, by the row property it fills. */
const COLUMN = {
  id: sql`m."id"`,
  storageKey: sql`m."storage_key" AS "storageKey"`,
  mimeType: sql`m."mime_type" AS "mimeType"`,
  width: sql`m."width"`,
  height: sql`m."height"`,
  bytes: sql`m."bytes"`,
  alt: sql`m."alt"`,
  caption: sql`m."caption"`,
  credit: sql`m."credit"`,
  license: sql`m."license"`,
  focalX: sql`m."focal_x" AS "focalX"`,
  focalY: sql`m."focal_y" AS "focalY"`,
  placeholderColor: sql`m."placeholder_color" AS "placeholderColor"`,
  thumbhash: sql`m."thumbhash"`,
  public: sql`m."public"`,
  uploadedBy: sql`m."uploaded_by" AS "uploadedBy"`,
  version: sql`m."version"`,
  createdAt: sql`m."created_at" AS "createdAt"`,
  updatedAt: sql`m."updated_at" AS "updatedAt"`,
} satisfies Record<keyof MediaRow, Sql>

const columns = join(Object.values(COLUMN), ', ')

/**
 * Which media an anonymous caller may see: those marked public. (Media that published content
 * uses becomes public with it once articles and authors can use media.)
 */
const PUBLIC = sql`m."public"`

export const mediaListSpec: ListSpec<MediaRow> = {
  name: 'media',
  sortable: {
    createdAt: { expr: sql`m."created_at"`, type: 'timestamptz', read: (r) => timestampValue(r.createdAt) },
    updatedAt: { expr: sql`m."updated_at"`, type: 'timestamptz', read: (r) => timestampValue(r.updatedAt) },
    bytes: { expr: sql`m."bytes"`, type: 'int4', read: (r) => r.bytes },
  },
  id: { expr: sql`m."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: '-createdAt',
}

/** One media item by id; with `publicOnly`, only one an anonymous caller may see. */
export async function findMedia(
  db: Query,
  id: string,
  options: { publicOnly?: boolean } = {},
): Promise<MediaRow | undefined> {
  const rows = await db<MediaRow>(sql`
    SELECT ${columns} FROM "media" m
    WHERE m."id" = CAST(${id} AS uuid) ${options.publicOnly ? sql`AND ${PUBLIC}` : empty}`)
  return rows[0]
}

export interface MediaFilters {
  mimeType?: string | undefined
  /** Matches alt, caption or credit as a substring, case-insensitively. */
  q?: string | undefined
  public?: boolean | undefined
  uploadedBy?: string | undefined
}

/** A page of media; with `publicOnly`, only what an anonymous caller may see. */
export async function listMedia(
  db: Query,
  filters: MediaFilters & { publicOnly?: boolean },
  page: { pagination: Pagination; codec: CursorCodec },
): Promise<{ rows: MediaRow[]; meta: ListMeta }> {
  const where: Sql[] = []
  if (filters.publicOnly) where.push(PUBLIC)
  if (filters.mimeType !== undefined) where.push(sql`m."mime_type" = ${filters.mimeType}`)
  if (filters.public !== undefined) where.push(sql`m."public" = ${filters.public}`)
  if (filters.uploadedBy !== undefined) where.push(sql`m."uploaded_by" = CAST(${filters.uploadedBy} AS uuid)`)
  if (filters.q !== undefined) {
    // strpos, not LIKE: % and _ in the search text are literal characters.
    where.push(
      sql`(strpos(lower(m."alt"), lower(${filters.q})) > 0 OR strpos(lower(m."caption"), lower(${filters.q})) > 0 OR strpos(lower(m."credit"), lower(${filters.q})) > 0)`,
    )
  }
  return fetchPage<MediaRow>(db, { select: columns, from: sql`"media" m`, where, ...page })
}

export type MediaFields = Pick<
  MediaRow,
  | 'storageKey'
  | 'mimeType'
  | 'width'
  | 'height'
  | 'bytes'
  | 'alt'
  | 'caption'
  | 'credit'
  | 'license'
  | 'focalX'
  | 'focalY'
  | 'placeholderColor'
  | 'thumbhash'
  | 'public'
  | 'uploadedBy'
>

/** Inserts a media item whose original is already stored under `storageKey`. */
export async function insertMedia(db: Query, m: MediaFields): Promise<MediaRow> {
  const rows = await db<MediaRow>(sql`
    INSERT INTO "media" AS m ("storage_key", "mime_type", "width", "height", "bytes", "alt", "caption", "credit",
      "license", "focal_x", "focal_y", "placeholder_color", "thumbhash", "public", "uploaded_by")
    VALUES (${m.storageKey}, ${m.mimeType}, ${m.width}, ${m.height}, ${m.bytes}, ${m.alt}, ${m.caption}, ${m.credit},
      ${m.license}, ${m.focalX}, ${m.focalY}, ${m.placeholderColor}, ${m.thumbhash}, ${m.public},
      CAST(${m.uploadedBy} AS uuid))
    RETURNING ${columns}`)
  return rows[0]!
}

export type WritableMediaFields = Pick<
  MediaRow,
  'alt' | 'caption' | 'credit' | 'license' | 'focalX' | 'focalY' | 'public'
>

/** The column each writable field is stored in. */
const WRITABLE: Record<keyof WritableMediaFields, string> = {
  alt: 'alt',
  caption: 'caption',
  credit: 'credit',
  license: 'license',
  focalX: 'focal_x',
  focalY: 'focal_y',
  public: 'public',
}

/**
 * Applies `changes` if the item still has `expected` version (any with '*'), bumping it;
 * undefined otherwise. A moved focal point also forgets the variants cropped around the old one
 * (in the same statement), and answers their storage keys in `staleKeys` for the caller to
 * remove from the store.
 */
export async function updateMedia(
  db: Query,
  id: string,
  changes: Partial<WritableMediaFields>,
  expected: number | '*',
): Promise<(MediaRow & { staleKeys: string[] }) | undefined> {
  const set: Sql[] = []
  for (const [field, column] of Object.entries(WRITABLE) as [keyof WritableMediaFields, string][]) {
    if (changes[field] !== undefined) set.push(sql`${raw(`"${column}"`)} = ${changes[field]}`)
  }
  const refocused = changes.focalX !== undefined || changes.focalY !== undefined
  const rows = await db<MediaRow & { staleKeys: string[] }>(sql`
    WITH "changed" AS (
      UPDATE "media" m SET ${join([...set, sql`"version" = m."version" + 1`, sql`"updated_at" = now()`], ', ')}
      WHERE m."id" = CAST(${id} AS uuid) ${expected === '*' ? empty : sql`AND m."version" = ${expected}`}
      RETURNING ${columns}),
    "stale" AS (
      DELETE FROM "media_variants" v USING "changed" c
      WHERE v."media_id" = c."id" AND ${refocused ? sql`TRUE` : sql`FALSE`}
      RETURNING v."storage_key")
    SELECT c.*, ARRAY(SELECT "storage_key" FROM "stale") AS "staleKeys" FROM "changed" c`)
  return rows[0]
}

/**
 * Deletes the item (and its variant rows) if it still has the `expected` version (any when not a
 * number); the storage keys of its original and variants, for the caller to remove from the
 * store, or undefined when nothing was deleted.
 */
export async function deleteMedia(
  db: Query,
  id: string,
  options: { expected?: number | '*' | undefined } = {},
): Promise<string[] | undefined> {
  const { expected } = options
  const rows = await db<{ keys: string[] }>(sql`
    WITH "variants" AS (
      SELECT v."storage_key" FROM "media_variants" v WHERE v."media_id" = CAST(${id} AS uuid)),
    "gone" AS (
      DELETE FROM "media" m WHERE m."id" = CAST(${id} AS uuid)
        ${typeof expected === 'number' ? sql`AND m."version" = ${expected}` : empty}
      RETURNING m."storage_key")
    SELECT array_cat(ARRAY(SELECT "storage_key" FROM "gone"), ARRAY(SELECT "storage_key" FROM "variants")) AS "keys"
    FROM "gone"`)
  return rows[0]?.keys
}

/** A stored variant of a media item, if it was generated. */
export async function findVariant(
  db: Query,
  mediaId: string,
  variant: string,
  format: string,
): Promise<MediaVariantRow | undefined> {
  const rows = await db<MediaVariantRow>(sql`
    SELECT v."media_id" AS "mediaId", v."variant", v."format", v."storage_key" AS "storageKey", v."width",
      v."height", v."bytes", v."created_at" AS "createdAt"
    FROM "media_variants" v
    WHERE v."media_id" = CAST(${mediaId} AS uuid) AND v."variant" = ${variant} AND v."format" = ${format}`)
  return rows[0]
}

/**
 * Records a generated variant, unless another request recorded the same one first (or the item
 * was deleted meanwhile, or its focal point moved: `version` no longer matches): true when this
 * one was recorded, so the caller knows whether its stored object is the one in use.
 */
export async function insertVariant(
  db: Query,
  v: Omit<MediaVariantRow, 'createdAt'>,
  version: number,
): Promise<boolean> {
  const rows = await db(sql`
    INSERT INTO "media_variants" ("media_id", "variant", "format", "storage_key", "width", "height", "bytes")
    SELECT m."id", ${v.variant}, ${v.format}, ${v.storageKey}, ${v.width}, ${v.height}, ${v.bytes}
    FROM "media" m WHERE m."id" = CAST(${v.mediaId} AS uuid) AND m."version" = ${version}
    ON CONFLICT ("media_id", "variant", "format") DO NOTHING
    RETURNING "media_id"`)
  return rows.length > 0
}
