import { isStaff, type Principal } from '../auth.js'
import { Problems } from '../errors.js'
import { Prisma, type PrismaClient } from '../generated/prisma/client.js'
import type { Author, AuthorList, CreateAuthor, ListAuthorsQuery, UpdateAuthor } from '../schemas/author.js'
import {
  fetchPage,
  paginate,
  sql,
  timestampValue,
  type CursorCodec,
  type CursorValue,
  type ListSpec,
  type Query,
  type SortTerm,
} from './list.js'
import { isForeignKeyViolation, uniqueViolation, type Versioned } from './common.js'
import { freeSlug, isUuid, rejectUuidSlug, slugify } from './slug.js'

/** A row as the statements below return it (snake_case, straight from SQL). */
interface AuthorRow {
  id: string
  slug: string
  name: string
  email: string | null
  bio: string
  avatar_url: string | null
  website: string | null
  created_at: Date
  updated_at: Date
  version: number
}

const columns = sql`au."id", au."slug", au."name", au."email", au."bio", au."avatar_url", au."website",
  au."created_at", au."updated_at", au."version"`

// Public fields only: email is private, so it can never be sorted, filtered or searched by.
const spec: ListSpec = {
  name: 'authors',
  sortable: {
    name: { expr: sql`au."name"`, type: 'text' },
    slug: { expr: sql`au."slug"`, type: 'text' },
    createdAt: { expr: sql`au."created_at"`, type: 'timestamptz' },
    updatedAt: { expr: sql`au."updated_at"`, type: 'timestamptz' },
  },
  id: { expr: sql`au."id"`, type: 'uuid' },
  defaultSort: 'name',
}

function cursorValue(row: AuthorRow, term: SortTerm): CursorValue {
  switch (term.name) {
    case 'name':
      return row.name
    case 'slug':
      return row.slug
    case 'createdAt':
      return timestampValue(row.created_at)
    case 'updatedAt':
      return timestampValue(row.updated_at)
    default:
      return row.id
  }
}

/** Editors, admins and the author's own token: who sees the email address and may change the author. */
function isSelfOrStaff(principal: Principal, authorId: string): boolean {
  if (isStaff(principal)) return true
  return principal.kind === 'token' && principal.role === 'author' && principal.authorId === authorId
}

function toAuthor(row: AuthorRow, principal: Principal): Author {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    ...(isSelfOrStaff(principal, row.id) ? { email: row.email } : {}),
    bio: row.bio,
    avatarUrl: row.avatar_url,
    website: row.website,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

export type VersionedAuthor = Versioned<Author>

export interface AuthorServiceOptions {
  cursors: () => Promise<CursorCodec>
  /** Hand-written statements on the driver, for the reads (`Database.query`). */
  query: Query
}

export function createAuthorService(prisma: PrismaClient, options: AuthorServiceOptions) {
  const { cursors, query: run } = options

  /** One author by id or slug, with its stored version. */
  async function fetchOne(idOrSlug: string): Promise<AuthorRow | undefined> {
    const key = isUuid(idOrSlug) ? sql`au."id" = CAST(${idOrSlug.toLowerCase()} AS uuid)` : sql`au."slug" = ${idOrSlug}`
    const rows = await run<AuthorRow>(sql`SELECT ${columns} FROM "authors" au WHERE ${key}`)
    return rows[0]
  }

  async function getVersioned(principal: Principal, idOrSlug: string): Promise<VersionedAuthor> {
    const row = await fetchOne(idOrSlug)
    if (!row) throw Problems.notFound('No such author.')
    return { resource: toAuthor(row, principal), version: row.version }
  }

  /** The author a write targets: 404 when unknown (authors are public), 403 when not the caller's to change. */
  async function writable(principal: Principal, id: string): Promise<AuthorRow> {
    const row = await fetchOne(id)
    if (!row) throw Problems.notFound('No such author.')
    if (!isSelfOrStaff(principal, row.id)) throw Problems.forbidden('This token may not change this author.')
    return row
  }

  /**
   * Applies `data` only if the row still has `expected` version (If-Match), in the same
   * statement that bumps the version: two writers with the same ETag get one 200 and one 412.
   */
  async function conditionalUpdate(
    principal: Principal,
    row: AuthorRow,
    expected: number | '*',
    data: Prisma.AuthorUpdateManyMutationInput,
  ): Promise<VersionedAuthor> {
    const where: Prisma.AuthorWhereInput = { id: row.id, ...(expected === '*' ? {} : { version: expected }) }
    const { count } = await prisma.author.updateMany({ where, data: { ...data, version: { increment: 1 } } })
    if (count === 0) {
      if (!(await fetchOne(row.id))) throw Problems.notFound('No such author.')
      throw Problems.preconditionFailed()
    }
    return getVersioned(principal, row.id)
  }

  return {
    async list(principal: Principal, query: ListAuthorsQuery): Promise<AuthorList> {
      const codec = await cursors()
      const p = paginate(spec, query, codec)

      // strpos, not LIKE: % and _ in the search text are literal characters.
      const where = query.q === undefined ? [] : [sql`strpos(lower(au."name"), lower(${query.q})) > 0`]
      const { rows, meta } = await fetchPage<AuthorRow>(run, {
        select: columns,
        from: sql`"authors" au`,
        where,
        pagination: p,
        codec,
        cursorValue,
      })
      return { data: rows.map((row) => toAuthor(row, principal)), meta }
    },

    get: (principal: Principal, idOrSlug: string) => getVersioned(principal, idOrSlug),

    async create(principal: Principal, input: CreateAuthor): Promise<VersionedAuthor> {
      rejectUuidSlug(input.slug)
      const base = input.slug ?? slugify(input.name, 'author')
      // Generated slugs race with concurrent creates of the same name: retry on collision.
      for (let attempt = 0; ; attempt++) {
        const slug = input.slug ?? (await freeSlug(prisma, 'authors', base))
        try {
          const row = await prisma.author.create({
            data: {
              slug,
              name: input.name,
              email: input.email ?? null,
              bio: input.bio ?? '',
              avatarUrl: input.avatarUrl ?? null,
              website: input.website ?? null,
            },
            select: { id: true },
          })
          return await getVersioned(principal, row.id)
        } catch (error) {
          const field = uniqueViolation(error)
          if (field === 'email') throw emailTaken()
          if (field !== 'slug') throw error
          if (input.slug !== undefined) throw Problems.slugTaken(input.slug)
          if (attempt >= 4) throw error
        }
      }
    },

    async update(principal: Principal, id: string, expected: number | '*', input: UpdateAuthor): Promise<VersionedAuthor> {
      rejectUuidSlug(input.slug)
      const row = await writable(principal, id)
      try {
        return await conditionalUpdate(principal, row, expected, { ...input })
      } catch (error) {
        const field = uniqueViolation(error)
        if (field === 'email') throw emailTaken()
        if (field === 'slug' && input.slug !== undefined) throw Problems.slugTaken(input.slug)
        throw error
      }
    },

    async remove(principal: Principal, id: string, expected: number | '*' | undefined): Promise<void> {
      const row = await writable(principal, id)
      if (await prisma.article.findFirst({ where: { authorId: row.id }, select: { id: true } })) throw authorHasArticles()
      const where: Prisma.AuthorWhereInput = { id: row.id, ...(typeof expected === 'number' ? { version: expected } : {}) }
      let count: number
      try {
        ;({ count } = await prisma.author.deleteMany({ where }))
      } catch (error) {
        // An article written for this author since the check above.
        if (isForeignKeyViolation(error)) throw authorHasArticles()
        throw error
      }
      if (count === 0) {
        if (await fetchOne(row.id)) throw Problems.preconditionFailed()
        throw Problems.notFound('No such author.')
      }
    },
  }
}

// The address itself is never echoed: the caller knows it, and the log should not.
const emailTaken = () => Problems.conflict('EMAIL_TAKEN', 'Another author already uses this email address.')

const authorHasArticles = () =>
  Problems.conflict('AUTHOR_HAS_ARTICLES', 'This author still has articles; delete them or move them to another author first.')

export type AuthorService = ReturnType<typeof createAuthorService>
