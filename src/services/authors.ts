import { ANONYMOUS, type Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { isForeignKeyViolation, uniqueViolation } from '../db/errors.js'
import { paginate, type CursorCodec } from '../db/paging.js'
import { authorHasArticles } from '../db/queries/articles.js'
import * as q from '../db/queries/authors.js'
import { lockMediaForUse } from '../db/queries/media.js'
import { ProblemError, Problems } from '../errors.js'
import type {
  Author,
  AuthorList,
  AuthorQuery,
  CreateAuthor,
  ListAuthorsQuery,
  UpdateAuthor,
} from '../schemas/author.js'
import { AUTHOR_FIELDS, type AuthorField } from '../schemas/fields.js'
import { authorScope, isStaff, mayActFor } from './access.js'
import type { Versioned } from './common.js'
import { parseFields } from './fields.js'
import { embedded, toMedia } from './media-view.js'
import type { Site } from './site.js'
import { insertWithSlug, rejectUuidSlug, slugify } from './slug.js'

/** How each field is made from the row (each is read from the column of its own name). */
const FIELD: Record<AuthorField, (row: q.AuthorRow, serverUrl: string) => unknown> = {
  id: (r) => r.id,
  slug: (r) => r.slug,
  name: (r) => r.name,
  email: (r) => r.email,
  bio: (r) => r.bio,
  avatarUrl: (r) => r.avatarUrl,
  avatarId: (r) => r.avatarId,
  avatar: (r, serverUrl) => (r.avatar ? toMedia(embedded(r.avatar), serverUrl) : null),
  website: (r) => r.website,
  createdAt: (r) => r.createdAt.toISOString(),
  updatedAt: (r) => r.updatedAt.toISOString(),
}

/**
 * The representation `principal` gets: every field, or only those of a sparse fieldset (`id`
 * always), in the order of the full one. The email, named or not, only for who may act for
 * the author.
 */
function toAuthorAt(
  serverUrl: string,
  row: q.AuthorRow,
  principal: Principal,
  fields?: ReadonlySet<AuthorField>,
): Author {
  const out: Record<string, unknown> = {}
  for (const field of AUTHOR_FIELDS) {
    if (fields && !fields.has(field)) continue
    if (field === 'email' && !mayActFor(principal, row.id)) continue
    out[field] = FIELD[field](row, serverUrl)
  }
  return out as Author
}

/**
 * `fields=` checked against the allowlist, and what the statement reads for it: the named
 * fields' columns, the email only when named by a caller who may see one (an author token: only
 * its own author's is read).
 */
function selectionOf(principal: Principal, text: string | undefined) {
  if (text === undefined) return undefined
  const { fields } = parseFields(text, AUTHOR_FIELDS)
  const staff = isStaff(principal)
  const own = authorScope(principal)
  const columns = [...fields].filter((f) => f !== 'email' || staff || own !== undefined)
  return { fields, columns, emailOf: staff ? undefined : own }
}

export type VersionedAuthor = Versioned<Author>

const notFound = () => Problems.notFound('No such author.')
// The address itself is never echoed: the caller knows it, and the log should not.
const emailTaken = () => new ProblemError('EMAIL_TAKEN')
const hasArticles = () => new ProblemError('AUTHOR_HAS_ARTICLES')

export interface AuthorServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** Where the API is served, for the avatar's variant URLs. */
  site: Pick<Site, 'serverUrl'>
}

export function createAuthorService(db: Database, options: AuthorServiceOptions) {
  const { cursors, site } = options
  const toAuthor = (row: q.AuthorRow, principal: Principal, fields?: ReadonlySet<AuthorField>) =>
    toAuthorAt(site.serverUrl, row, principal, fields)

  /** The media item a write names as the avatar exists (else 400), and stays until the write's transaction ends. */
  async function lockAvatar(avatarId: string | null | undefined): Promise<void> {
    if (avatarId && !(await lockMediaForUse(db.query, avatarId)))
      throw Problems.validation([{ path: '/body/avatarId', message: 'no media item has this id' }])
  }

  /** The author a write targets: 404 when unknown (authors are public), 403 when not the caller's to change. */
  async function writable(principal: Principal, id: string): Promise<q.AuthorRow> {
    const row = await q.findAuthor(db.query, id)
    if (!row) throw notFound()
    if (!mayActFor(principal, row.id)) throw Problems.forbidden('This token may not change this author.')
    return row
  }

  /** Unique violations as the problems they are: EMAIL_TAKEN, SLUG_TAKEN. */
  function conflict(error: unknown, slug: string | undefined): unknown {
    const field = uniqueViolation(error)
    if (field === 'email') return emailTaken()
    if (field === 'slug' && slug !== undefined) return Problems.slugTaken(slug)
    return error
  }

  return {
    /** A page of authors: full, or with `fields` only those (a sparse answer, which the route sends as it is). */
    async list(principal: Principal, query: ListAuthorsQuery): Promise<AuthorList> {
      const selection = selectionOf(principal, query.fields)
      const codec = await cursors()
      const pagination = paginate(q.authorListSpec, query, codec)
      const { rows, meta } = await q.listAuthors(db.query, query.q === undefined ? {} : { q: query.q }, {
        pagination,
        codec,
        ...(selection ? { columns: selection.columns, emailOf: selection.emailOf } : {}),
      })
      return { data: rows.map((row) => toAuthor(row, principal, selection?.fields)), meta }
    },

    /** One author: full, or with `fields` only those; either way with the version its ETag is made from. */
    async get(principal: Principal, idOrSlug: string, query: AuthorQuery = {}): Promise<VersionedAuthor> {
      const selection = selectionOf(principal, query.fields)
      const row = await q.findAuthor(
        db.query,
        idOrSlug,
        selection ? { columns: selection.columns, emailOf: selection.emailOf } : {},
      )
      if (!row) throw notFound()
      return { resource: toAuthor(row, principal, selection?.fields), version: row.version }
    },

    /**
     * The representations of the author's current version a caller may hold: its own view and
     * the public one (without email). What If-Match on a write is compared with.
     */
    async representations(principal: Principal, idOrSlug: string): Promise<VersionedAuthor[]> {
      const row = await q.findAuthor(db.query, idOrSlug)
      if (!row) throw notFound()
      return [principal, ANONYMOUS].map((viewer) => ({ resource: toAuthor(row, viewer), version: row.version }))
    },

    async create(principal: Principal, input: CreateAuthor): Promise<VersionedAuthor> {
      rejectUuidSlug(input.slug)
      const base = input.slug ?? slugify(input.name, 'author')
      const fields = {
        name: input.name,
        email: input.email ?? null,
        bio: input.bio ?? '',
        avatarUrl: input.avatarUrl ?? null,
        avatarId: input.avatarId ?? null,
        website: input.website ?? null,
      }
      try {
        const row = await db.transaction(async () => {
          await lockAvatar(input.avatarId)
          return insertWithSlug(db.query, 'authors', input.slug, base, (slug) =>
            q.insertAuthor(db.query, { ...fields, slug }),
          )
        })
        return { resource: toAuthor(row, principal), version: row.version }
      } catch (error) {
        throw conflict(error, input.slug)
      }
    },

    async update(
      principal: Principal,
      id: string,
      expected: number | '*',
      input: UpdateAuthor,
    ): Promise<VersionedAuthor> {
      rejectUuidSlug(input.slug)
      const row = await writable(principal, id)
      let updated: q.AuthorRow | undefined
      try {
        updated = input.avatarId
          ? await db.transaction(async () => {
              await lockAvatar(input.avatarId)
              return q.updateAuthor(db.query, row.id, input, expected)
            })
          : await q.updateAuthor(db.query, row.id, input, expected)
      } catch (error) {
        throw conflict(error, input.slug)
      }
      if (updated) return { resource: toAuthor(updated, principal), version: updated.version }
      if (!(await q.findAuthor(db.query, row.id))) throw notFound()
      throw Problems.preconditionFailed()
    },

    async remove(principal: Principal, id: string, expected: number | '*' | undefined): Promise<void> {
      await db.transaction(async () => {
        const row = await writable(principal, id)
        if (await authorHasArticles(db.query, row.id)) throw hasArticles()
        let count: number
        try {
          count = await q.deleteAuthor(db.query, row.id, { expected })
        } catch (error) {
          // An article written for this author since the check above.
          if (isForeignKeyViolation(error)) throw hasArticles()
          throw error
        }
        if (count === 0) throw Problems.preconditionFailed()
      })
    },
  }
}

export type AuthorService = ReturnType<typeof createAuthorService>
