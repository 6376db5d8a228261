import type { Author as AuthorModel } from '../../generated/prisma/client.js'
import {
  fetchPage,
  timestampValue,
  type CursorCodec,
  type ListMeta,
  type ListSpec,
  type Pagination,
} from '../paging.js'
import { byIdOrSlug, empty, join, raw, selectList, sql, type Query, type Sql } from '../sql.js'
import { jsonObject, outboxEvent } from './events.js'
import { embeddedMedia, type EmbeddedMediaRow } from './media.js'

export type AuthorRow = AuthorModel & {
  /** The avatar image (null without one). */
  avatar: EmbeddedMediaRow | null
}

/** Each column an author answer can be made from, by the row property it fills. */
const COLUMN = {
  id: sql`au."id"`,
  slug: sql`au."slug"`,
  name: sql`au."name"`,
  email: sql`au."email"`,
  bio: sql`au."bio"`,
  avatarUrl: sql`au."avatar_url" AS "avatarUrl"`,
  avatarId: sql`au."avatar_id" AS "avatarId"`,
  avatar: sql`${embeddedMedia(sql`au."avatar_id"`)} AS "avatar"`,
  website: sql`au."website"`,
  createdAt: sql`au."created_at" AS "createdAt"`,
  updatedAt: sql`au."updated_at" AS "updatedAt"`,
  version: sql`au."version"`,
} satisfies Record<keyof AuthorRow, Sql>
export type AuthorColumn = keyof typeof COLUMN

const columns = join(Object.values(COLUMN), ', ')

/**
 * What a sparse read selects: these columns (each once, in a fixed order) and `also`. The email
 * is read only when named; with `emailOf`, only that author's (an author token's own: the others
 * read null), so no address the caller may not see is read at all.
 */
function columnList(wanted: Iterable<AuthorColumn>, emailOf: string | undefined): Sql {
  return selectList(
    COLUMN,
    wanted,
    emailOf === undefined
      ? {}
      : { email: sql`CASE WHEN au."id" = CAST(${emailOf} AS uuid) THEN au."email" END AS "email"` },
  )
}

/** A sparse fieldset's columns (every column without one). */
export interface AuthorColumns {
  columns?: AuthorColumn[] | undefined
  /** The one author whose email `columns` may read (see columnList). */
  emailOf?: string | undefined
}

// Public fields only: email is private, so it can never be sorted, filtered or searched by.
export const authorListSpec: ListSpec<AuthorRow> = {
  name: 'authors',
  sortable: {
    name: { expr: sql`au."name"`, type: 'text', read: (r) => r.name },
    slug: { expr: sql`au."slug"`, type: 'text', read: (r) => r.slug },
    createdAt: { expr: sql`au."created_at"`, type: 'timestamptz', read: (r) => timestampValue(r.createdAt) },
    updatedAt: { expr: sql`au."updated_at"`, type: 'timestamptz', read: (r) => timestampValue(r.updatedAt) },
  },
  id: { expr: sql`au."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: 'name',
}

/**
 * One author by id or slug: every column, or with `columns` only those (a sparse fieldset) and
 * the version its ETag is made from.
 */
export async function findAuthor(
  db: Query,
  idOrSlug: string,
  options: AuthorColumns = {},
): Promise<AuthorRow | undefined> {
  const selected = options.columns ? columnList([...options.columns, 'id', 'version'], options.emailOf) : columns
  const rows = await db<AuthorRow>(sql`SELECT ${selected} FROM "authors" au WHERE ${byIdOrSlug(sql`au`, idOrSlug)}`)
  return rows[0]
}

/** Whether an author with this id exists. */
export async function authorExists(db: Query, id: string): Promise<boolean> {
  const rows = await db(sql`SELECT 1 FROM "authors" WHERE "id" = CAST(${id} AS uuid)`)
  return rows.length > 0
}

/**
 * A page of authors; `q` matches the name as a substring (never the email). With `columns`
 * (a sparse fieldset), those and what the next cursor is read from: the sort's own columns.
 */
export async function listAuthors(
  db: Query,
  filters: { q?: string },
  page: { pagination: Pagination; codec: CursorCodec } & AuthorColumns,
): Promise<{ rows: AuthorRow[]; meta: ListMeta }> {
  const { columns: wanted, emailOf, ...paging } = page
  const sortColumns = paging.pagination.terms.map((t) => t.name).filter((n): n is AuthorColumn => n in COLUMN)
  const select = wanted ? columnList([...wanted, ...sortColumns, 'id'], emailOf) : columns
  // strpos, not LIKE: % and _ in the search text are literal characters.
  const where = filters.q === undefined ? [] : [sql`strpos(lower(au."name"), lower(${filters.q})) > 0`]
  return fetchPage<AuthorRow>(db, { select, from: sql`"authors" au`, where, ...paging })
}

export type AuthorFields = Pick<AuthorRow, 'slug' | 'name' | 'email' | 'bio' | 'avatarUrl' | 'avatarId' | 'website'>

/**
 * Inserts an author with its `author.created` outbox event (public fields only); undefined when
 * its slug is taken. A taken email is a unique violation.
 */
export async function insertAuthor(db: Query, a: AuthorFields): Promise<AuthorRow | undefined> {
  const rows = await db<AuthorRow>(sql`
    WITH "created" AS (
      INSERT INTO "authors" AS au ("slug", "name", "email", "bio", "avatar_url", "avatar_id", "website")
      VALUES (${a.slug}, ${a.name}, ${a.email}, ${a.bio}, ${a.avatarUrl}, CAST(${a.avatarId} AS uuid), ${a.website})
      ON CONFLICT ("slug") DO NOTHING
      RETURNING ${columns}),
    ${outboxEvent({
      type: 'author.created',
      from: sql`"created" c`,
      data: { id: sql`c."id"`, slug: sql`c."slug"`, name: sql`c."name"` },
    })}
    SELECT * FROM "created"`)
  return rows[0]
}

/** The column each writable field is stored in. */
const WRITABLE: Record<keyof AuthorFields, string> = {
  slug: 'slug',
  name: 'name',
  email: 'email',
  bio: 'bio',
  avatarUrl: 'avatar_url',
  avatarId: 'avatar_id',
  website: 'website',
}

/**
 * Applies `changes` if the author still has `expected` version, bumping it, with its
 * `author.updated` outbox event in the same statement (public fields only: never the email);
 * undefined otherwise.
 */
export async function updateAuthor(
  db: Query,
  id: string,
  changes: Partial<AuthorFields>,
  expected: number | '*',
): Promise<AuthorRow | undefined> {
  const set: Sql[] = []
  for (const [field, column] of Object.entries(WRITABLE) as [keyof AuthorFields, string][]) {
    if (changes[field] === undefined) continue
    const value = field === 'avatarId' ? sql`CAST(${changes[field]} AS uuid)` : sql`${changes[field]}`
    set.push(sql`${raw(`"${column}"`)} = ${value}`)
  }
  const rows = await db<AuthorRow>(sql`
    WITH "prev" AS (SELECT au."id", au."slug", au."avatar_id" FROM "authors" au WHERE au."id" = CAST(${id} AS uuid) FOR UPDATE),
    "changed" AS (
      UPDATE "authors" au SET ${join([...set, sql`"version" = au."version" + 1`, sql`"updated_at" = now()`], ', ')}
      FROM "prev" p
      WHERE au."id" = p."id" ${expected === '*' ? empty : sql`AND au."version" = ${expected}`}
      RETURNING ${columns}, p."slug" AS "prevSlug", p."avatar_id" AS "prevAvatarId"),
    ${outboxEvent({
      type: 'author.updated',
      from: sql`"changed" c`,
      data: {
        id: sql`c."id"`,
        slug: sql`c."slug"`,
        name: sql`c."name"`,
        avatarId: sql`c."avatarId"`,
        previous: jsonObject({ slug: sql`c."prevSlug"`, avatarId: sql`c."prevAvatarId"` }),
      },
    })}
    SELECT * FROM "changed"`)
  return rows[0]
}

/**
 * Deletes the author if it still has the `expected` version (any when not a number), with its
 * `author.deleted` event; how many rows went.
 */
export async function deleteAuthor(
  db: Query,
  id: string,
  options: { expected?: number | '*' | undefined } = {},
): Promise<number> {
  const { expected } = options
  const rows = await db(sql`
    WITH "gone" AS (
      DELETE FROM "authors" WHERE "id" = CAST(${id} AS uuid) ${typeof expected === 'number' ? sql`AND "version" = ${expected}` : empty}
      RETURNING "id", "slug", "avatar_id"),
    ${outboxEvent({
      type: 'author.deleted',
      from: sql`"gone" g`,
      data: { id: sql`g."id"`, slug: sql`g."slug"`, avatarId: sql`g."avatar_id"` },
    })}
    SELECT "id" FROM "gone"`)
  return rows.length
}
