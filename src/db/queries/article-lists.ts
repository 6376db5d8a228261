import { timestampValue, type ListSpec, type SortTerm } from '../paging.js'
import { sql, type Sql } from '../sql.js'
import type { ArticleRow } from './articles.js'

/** How lists of articles sort and page: the sortable fields (the allowlist), each declared once. */
const spec: ListSpec<ArticleRow> = {
  name: 'articles',
  sortable: {
    publishedAt: {
      expr: sql`a."published_at"`,
      type: 'timestamptz',
      nullable: true,
      read: (r) => timestampValue(r.publishedAt),
    },
    createdAt: { expr: sql`a."created_at"`, type: 'timestamptz', read: (r) => timestampValue(r.createdAt) },
    updatedAt: { expr: sql`a."updated_at"`, type: 'timestamptz', read: (r) => timestampValue(r.updatedAt) },
    title: { expr: sql`a."title"`, type: 'text', read: (r) => r.title },
    commentCount: { expr: sql`a."comment_count"`, type: 'int4', read: (r) => r.commentCount },
  },
  id: { expr: sql`a."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: '-publishedAt',
}

/**
 * The same list when every row is known to have a publication date (anonymous callers see
 * published articles only): publishedAt is then NOT NULL for sorting and paging, so the
 * newest-first order is the (published_at DESC, id DESC) index as it stands, and a cursor is
 * an index bound. Same name, so cursors are the same.
 */
const datedSpec: ListSpec<ArticleRow> = {
  ...spec,
  sortable: { ...spec.sortable, publishedAt: { ...spec.sortable.publishedAt!, nullable: false } },
}

/** Which sort allowlist a list uses: `dated` when every listed row is published or scheduled. */
export const listSpec = (options: { dated: boolean }): ListSpec<ArticleRow> => (options.dated ? datedSpec : spec)

/** The sortable fields of the trash. */
export const trashSpec: ListSpec<ArticleRow> = {
  name: 'trash',
  sortable: {
    trashedAt: { expr: sql`a."trashed_at"`, type: 'timestamptz', read: (r) => timestampValue(r.trashedAt) },
    title: { expr: sql`a."title"`, type: 'text', read: (r) => r.title },
    updatedAt: { expr: sql`a."updated_at"`, type: 'timestamptz', read: (r) => timestampValue(r.updatedAt) },
  },
  id: { expr: sql`a."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: '-trashedAt',
}

/** Text search in the configuration the search_vector trigger uses. */
export const searchQuery = (config: string, q: string): Sql =>
  sql`websearch_to_tsquery(CAST(${config} AS regconfig), ${q})`

/** Relevance first when searching without an explicit sort. */
export const rankTerm = (search: Sql): SortTerm<ArticleRow> => ({
  name: 'relevance',
  field: { expr: sql`ts_rank(a."search_vector", ${search})`, type: 'float4', read: (r) => r.rank ?? 0 },
  descending: true,
})
