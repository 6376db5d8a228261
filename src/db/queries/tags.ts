import { fetchPage, type CursorCodec, type ListMeta, type ListSpec, type Pagination } from '../paging.js'
import { empty, sql, type Query } from '../sql.js'
import { publiclyVisible } from './article-visibility.js'

/** A tag of the tag index: how many published articles have it. */
export interface TagRow {
  tag: string
  count: number
}

const byTag = { expr: sql`g."tag"`, type: 'text', read: (r: TagRow) => r.tag } as const

/** The sortable fields of the tag index; the tag itself is unique, so it is the tiebreaker. */
export const tagListSpec: ListSpec<TagRow> = {
  name: 'tags',
  sortable: {
    count: { expr: sql`g."count"`, type: 'int4', read: (r) => r.count },
    tag: byTag,
  },
  id: byTag,
  defaultSort: '-count,tag',
}

/**
 * A page of the tags of the articles anyone may read (live and published: never drafts,
 * scheduled or trashed ones), each with how many of them have it, in one statement: one
 * aggregate over the unnested tags, its total a window over the same groups (so the keyset
 * condition of a cursor page does not change it). Every write keeps an article's tags unique
 * (the schemas' uniqueItems), so counting tag rows counts articles. `prefix` keeps only tags
 * that start with it (starts_with, not LIKE: % and _ are literal).
 */
export async function listTags(
  db: Query,
  filters: { prefix?: string },
  page: { pagination: Pagination; codec: CursorCodec; now: Date },
): Promise<{ rows: TagRow[]; meta: ListMeta }> {
  const counting = page.pagination.count
  const groups = sql`(
    SELECT u."tag", CAST(count(*) AS int) AS "count" ${counting ? sql`, count(*) OVER () AS "total"` : empty}
    FROM (SELECT unnest(a."tags") AS "tag" FROM "articles" a WHERE ${publiclyVisible(page.now)}) u
    ${filters.prefix === undefined ? empty : sql`WHERE starts_with(u."tag", ${filters.prefix})`}
    GROUP BY u."tag") g`
  return fetchPage<TagRow>(db, {
    select: sql`g."tag", g."count"`,
    from: groups,
    ...(counting ? { total: sql`g."total"` } : {}),
    where: [],
    pagination: page.pagination,
    codec: page.codec,
  })
}
