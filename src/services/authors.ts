import { ANONYMOUS, type Principal } from '../auth.js'
import type { Database } from '../db/database.js'
import { isForeignKeyViolation, uniqueViolation } from '../db/errors.js'
import { paginate, type CursorCodec } from '../db/paging.js'
import { authorHasArticles } from '../db/queries/articles.js'
import * as q from '../db/queries/authors.js'
import { ProblemError, Problems } from '../errors.js'
import type { Author, AuthorList, CreateAuthor, ListAuthorsQuery, UpdateAuthor } from '../schemas/author.js'
import { mayActFor } from './access.js'
import type { Versioned } from './common.js'
import { insertWithSlug, rejectUuidSlug, slugify } from './slug.js'

function toAuthor(row: q.AuthorRow, principal: Principal): Author {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    ...(mayActFor(principal, row.id) ? { email: row.email } : {}),
    bio: row.bio,
    avatarUrl: row.avatarUrl,
    website: row.website,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }
}

export type VersionedAuthor = Versioned<Author>

const notFound = () => Problems.notFound('No such author.')
// The address itself is never echoed: the caller knows it, and the log should not.
const emailTaken = () => new ProblemError('EMAIL_TAKEN')
const hasArticles = () => new ProblemError('AUTHOR_HAS_ARTICLES')

export interface AuthorServiceOptions {
  cursors: () => Promise<CursorCodec>
}

export function createAuthorService(db: Database, options: AuthorServiceOptions) {
  const { cursors } = options

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
    async list(principal: Principal, query: ListAuthorsQuery): Promise<AuthorList> {
      const codec = await cursors()
      const pagination = paginate(q.authorListSpec, query, codec)
      const { rows, meta } = await q.listAuthors(db.query, query.q === undefined ? {} : { q: query.q }, {
        pagination,
        codec,
      })
      return { data: rows.map((row) => toAuthor(row, principal)), meta }
    },

    async get(principal: Principal, idOrSlug: string): Promise<VersionedAuthor> {
      const row = await q.findAuthor(db.query, idOrSlug)
      if (!row) throw notFound()
      return { resource: toAuthor(row, principal), version: row.version }
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
        website: input.website ?? null,
      }
      try {
        const row = await db.transaction(() =>
          insertWithSlug(db.query, 'authors', input.slug, base, (slug) =>
            q.insertAuthor(db.query, { ...fields, slug }),
          ),
        )
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
        updated = await q.updateAuthor(db.query, row.id, input, expected)
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
