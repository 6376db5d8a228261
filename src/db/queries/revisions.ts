import type { ArticleRevision as RevisionModel } from '../../generated/prisma/client.js'
import { fetchPage, type CursorCodec, type ListMeta, type ListSpec, type Pagination } from '../paging.js'
import { join, sql, type Query } from '../sql.js'

/** The state of an article a revision keeps (`snapshot` in queries/article-history.ts writes it). */
export interface Snapshot {
  title: string
  slug: string
  excerpt: string
  body: string
  tags: string[]
  authorId: string
  /** Absent in revisions written before articles had covers. */
  coverImageId?: string | null
  status: 'draft' | 'scheduled' | 'published'
  publishedAt: string | null
  trashed: boolean
}

/** A revision as listed: without its snapshot, but with the title and status it recorded. */
export type RevisionSummaryRow = Pick<
  RevisionModel,
  'number' | 'action' | 'tokenId' | 'tokenName' | 'restoredFrom' | 'createdAt'
> & {
  title: string
  status: Snapshot['status']
}

export type RevisionRow = RevisionSummaryRow & { snapshot: Snapshot }

const summaryColumns = sql`r."number", r."action"::text AS "action", r."token_id" AS "tokenId", r."token_name" AS "tokenName",
  r."restored_from" AS "restoredFrom", r."created_at" AS "createdAt", r."snapshot"->>'title' AS "title", r."snapshot"->>'status' AS "status"`

/** Revisions page by number; newest first unless `sort=number`. */
export const revisionListSpec: ListSpec<RevisionSummaryRow> = {
  name: 'revisions',
  sortable: { number: { expr: sql`r."number"`, type: 'int4', read: (r) => r.number } },
  id: { expr: sql`r."number"`, type: 'int4', read: (r) => r.number },
  defaultSort: '-number',
}

/** A page of an article's revisions, without snapshots. */
export async function listRevisions(
  db: Query,
  articleId: string,
  page: { pagination: Pagination; codec: CursorCodec },
): Promise<{ rows: RevisionSummaryRow[]; meta: ListMeta }> {
  return fetchPage<RevisionSummaryRow>(db, {
    select: summaryColumns,
    from: sql`"article_revisions" r`,
    where: [sql`r."article_id" = CAST(${articleId} AS uuid)`],
    ...page,
  })
}

/** The article's revisions with these numbers (the ones that exist), snapshots included. */
export async function findRevisions(db: Query, articleId: string, numbers: number[]): Promise<RevisionRow[]> {
  return db<RevisionRow>(sql`
    SELECT ${summaryColumns}, r."snapshot" FROM "article_revisions" r
    WHERE r."article_id" = CAST(${articleId} AS uuid) AND r."number" IN (${join(
      numbers.map((n) => sql`${n}`),
      ', ',
    )})`)
}

/** The newest revision of the article numbered below `number`: what a diff compares with by default. */
export async function previousNumber(db: Query, articleId: string, number: number): Promise<number | undefined> {
  const rows = await db<{ number: number }>(sql`
    SELECT max(r."number") AS "number" FROM "article_revisions" r
    WHERE r."article_id" = CAST(${articleId} AS uuid) AND r."number" < ${number}`)
  return rows[0]?.number ?? undefined
}
