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
import { publiclyVisible } from './article-visibility.js'
import { outboxEvent } from './events.js'

export type MediaRow = MediaModel & {
  /** From findMedia: whether an anonymous caller may see it now (see `publicMedia`). */
  publiclyVisible?: boolean
}
export type MediaVariantRow = MediaVariantModel

/**
 * A media item as another resource embeds it (an article's cover, an author's avatar): the
 * public facts, with its timestamps as JSON text.
 */
export type EmbeddedMediaRow = Omit<MediaRow, 'storageKey' | 'uploadedBy' | 'createdAt' | 'updatedAt'> & {
  createdAt: string | Date
  updatedAt: string | Date
}
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
  cropVersion: sql`m."crop_version" AS "cropVersion"`,
  createdAt: sql`m."created_at" AS "createdAt"`,
  updatedAt: sql`m."updated_at" AS "updatedAt"`,
} satisfies Record<keyof MediaModel, Sql>

const columns = join(Object.values(COLUMN), ', ')

/**
 * Which media an anonymous caller may see at `now`, on alias `m`: what is marked public, the
 * cover of an article anyone may read (article-visibility.ts decides which), and any author's
 * avatar (authors are public). So a draft's cover stays private until the article is published
 * and becomes private again when it is unpublished or trashed (unless something else uses it).
 */
const publicMedia = (now: Date): Sql => sql`(m."public"
  OR EXISTS (SELECT 1 FROM "articles" a WHERE a."cover_image_id" = m."id" AND ${publiclyVisible(now)})
  OR EXISTS (SELECT 1 FROM "authors" au WHERE au."avatar_id" = m."id"))`

/**
 * The media item `id` (an expression) names, as one JSON object of the fields a representation
 * needs (SQL null when `id` is null): the column an embedding statement selects.
 */
export const embeddedMedia = (id: Sql): Sql => sql`(SELECT json_build_object(
    'id', m."id", 'mimeType', m."mime_type", 'width', m."width", 'height', m."height", 'bytes', m."bytes",
    'alt', m."alt", 'caption', m."caption", 'credit', m."credit", 'license', m."license",
    'focalX', m."focal_x", 'focalY', m."focal_y", 'placeholderColor', m."placeholder_color",
    'thumbhash', m."thumbhash", 'public', m."public", 'version', m."version",
    'cropVersion', m."crop_version",
    'createdAt', m."created_at", 'updatedAt', m."updated_at")
  FROM "media" m WHERE m."id" = ${id})`

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

/** The item as another resource embeds it (embeddedMedia), for a read that has only its id. */
export async function findEmbeddedMedia(db: Query, id: string): Promise<EmbeddedMediaRow | undefined> {
  const rows = await db<{ media: EmbeddedMediaRow | null }>(
    sql`SELECT ${embeddedMedia(sql`CAST(${id} AS uuid)`)} AS "media"`,
  )
  return rows[0]?.media ?? undefined
}

/**
 * One media item by id, with whether an anonymous caller may see it now (`publiclyVisible`);
 * with `publicOnly`, only one they may.
 */
export async function findMedia(
  db: Query,
  id: string,
  options: { publicOnly?: boolean } = {},
): Promise<MediaRow | undefined> {
  const now = new Date()
  const rows = await db<MediaRow>(sql`
    SELECT ${columns}, ${options.publicOnly ? sql`TRUE` : publicMedia(now)} AS "publiclyVisible" FROM "media" m
    WHERE m."id" = CAST(${id} AS uuid) ${options.publicOnly ? sql`AND ${publicMedia(now)}` : empty}`)
  return rows[0]
}

/**
 * The item an article or an author is about to use, locked against a concurrent change of its
 * alt text or its deletion until the transaction ends (`FOR SHARE`); undefined when none has
 * this id.
 */
export async function lockMediaForUse(db: Query, id: string): Promise<Pick<MediaRow, 'id' | 'alt'> | undefined> {
  const rows = await db<Pick<MediaRow, 'id' | 'alt'>>(
    sql`SELECT m."id", m."alt" FROM "media" m WHERE m."id" = CAST(${id} AS uuid) FOR SHARE`,
  )
  return rows[0]
}

/** Locks the item against every other change until the transaction ends (`FOR UPDATE`). */
export async function lockMediaForChange(db: Query, id: string): Promise<void> {
  await db(sql`SELECT 1 FROM "media" m WHERE m."id" = CAST(${id} AS uuid) FOR UPDATE`)
}

/**
 * Whether a published or scheduled article (not in the trash) has this item as its cover: such
 * an image must keep its alt text.
 */
export async function illustratesPublication(db: Query, id: string): Promise<boolean> {
  const rows = await db(sql`
    SELECT 1 FROM "articles" a
    WHERE a."cover_image_id" = CAST(${id} AS uuid) AND a."published_at" IS NOT NULL AND a."trashed_at" IS NULL
    LIMIT 1`)
  return rows.length > 0
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
  if (filters.publicOnly) where.push(publicMedia(new Date()))
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
 * Applies `changes` if the item still has `expected` version (any with '*'), bumping it, with its
 * `media.updated` outbox event (which purges what shows it); undefined otherwise. A moved focal point also forgets the variants cropped around the old one
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
      UPDATE "media" m SET ${join(
        [
          ...set,
          sql`"version" = m."version" + 1`,
          ...(refocused ? [sql`"crop_version" = m."crop_version" + 1`] : []),
          sql`"updated_at" = now()`,
        ],
        ', ',
      )}
      WHERE m."id" = CAST(${id} AS uuid) ${expected === '*' ? empty : sql`AND m."version" = ${expected}`}
      RETURNING ${columns}),
    "stale" AS (
      DELETE FROM "media_variants" v USING "changed" c
      WHERE v."media_id" = c."id" AND ${refocused ? sql`TRUE` : sql`FALSE`}
      RETURNING v."storage_key"),
    ${outboxEvent({
      type: 'media.updated',
      from: sql`"changed" c`,
      data: { id: sql`c."id"`, cropVersion: sql`c."cropVersion"` },
    })}
    SELECT c.*, ARRAY(SELECT "storage_key" FROM "stale") AS "staleKeys" FROM "changed" c`)
  return rows[0]
}

/**
 * Deletes the item (and its variant rows) if it still has the `expected` version (any when not a
 * number), with its `media.deleted` outbox event; the storage keys of its original and variants, for the caller to remove from the
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
      RETURNING m."id", m."storage_key"),
    ${outboxEvent({ type: 'media.deleted', from: sql`"gone" g`, data: { id: sql`g."id"` } })}
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
 * was deleted meanwhile, or its focal point moved: `cropVersion` no longer matches; a text edit
 * does not matter): true when this
 * one was recorded, so the caller knows whether its stored object is the one in use.
 */
export async function insertVariant(
  db: Query,
  v: Omit<MediaVariantRow, 'createdAt'>,
  cropVersion: number,
): Promise<boolean> {
  const rows = await db(sql`
    INSERT INTO "media_variants" ("media_id", "variant", "format", "storage_key", "width", "height", "bytes")
    SELECT m."id", ${v.variant}, ${v.format}, ${v.storageKey}, ${v.width}, ${v.height}, ${v.bytes}
    FROM "media" m WHERE m."id" = CAST(${v.mediaId} AS uuid) AND m."crop_version" = ${cropVersion}
    ON CONFLICT ("media_id", "variant", "format") DO NOTHING
    RETURNING "media_id"`)
  return rows.length > 0
}
