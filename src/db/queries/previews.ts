import type { PreviewToken as PreviewModel } from '../../generated/prisma/client.js'
import {
  fetchPage,
  timestampValue,
  type CursorCodec,
  type ListMeta,
  type ListSpec,
  type Pagination,
} from '../paging.js'
import { sql, timestamp, type Query } from '../sql.js'

/** A preview token as stored: never its secret, and its hash only for authentication. */
export type PreviewRow = Pick<PreviewModel, 'id' | 'articleId' | 'expiresAt'>

const columns = sql`"id", "article_id" AS "articleId", "expires_at" AS "expiresAt"`

export async function insertPreview(
  db: Query,
  p: Pick<PreviewModel, 'articleId' | 'secretHash' | 'prefix' | 'tokenId' | 'expiresAt'>,
): Promise<PreviewRow> {
  const rows = await db<PreviewRow>(sql`
    INSERT INTO "preview_tokens" ("article_id", "secret_hash", "prefix", "token_id", "expires_at")
    VALUES (CAST(${p.articleId} AS uuid), ${p.secretHash}, ${p.prefix}, CAST(${p.tokenId} AS uuid), ${timestamp(p.expiresAt)})
    RETURNING ${columns}`)
  return rows[0]!
}

/** The unexpired preview token with this secret hash (hash included, to compare in constant time). */
export async function findPreviewByHash(
  db: Query,
  secretHash: string,
): Promise<(PreviewRow & { secretHash: string }) | undefined> {
  const rows = await db<PreviewRow & { secretHash: string }>(sql`
    SELECT ${columns}, "secret_hash" AS "secretHash" FROM "preview_tokens"
    WHERE "secret_hash" = ${secretHash} AND "expires_at" > now()`)
  return rows[0]
}

/** A live preview link as listed: who made it, when, until when; never the hash. */
export type PreviewLinkRow = Pick<PreviewModel, 'id' | 'prefix' | 'createdAt' | 'expiresAt' | 'tokenId'> & {
  tokenName: string
}

/** Newest first; paged by creation time, then id. */
export const previewListSpec: ListSpec<PreviewLinkRow> = {
  name: 'previews',
  sortable: { createdAt: { expr: sql`p."created_at"`, type: 'timestamptz', read: (r) => timestampValue(r.createdAt) } },
  id: { expr: sql`p."id"`, type: 'uuid', read: (r) => r.id },
  defaultSort: '-createdAt',
}

/** A page of an article's preview links that still open it (unexpired; revoked ones are deleted). */
export async function listPreviews(
  db: Query,
  articleId: string,
  page: { pagination: Pagination; codec: CursorCodec },
): Promise<{ rows: PreviewLinkRow[]; meta: ListMeta }> {
  return fetchPage<PreviewLinkRow>(db, {
    select: sql`p."id", p."prefix", p."created_at" AS "createdAt", p."expires_at" AS "expiresAt", p."token_id" AS "tokenId",
      t."name" AS "tokenName"`,
    from: sql`"preview_tokens" p JOIN "api_tokens" t ON t."id" = p."token_id"`,
    where: [sql`p."article_id" = CAST(${articleId} AS uuid)`, sql`p."expires_at" > now()`],
    ...page,
  })
}

/** Revokes one preview token of an article; whether it existed. */
export async function deletePreview(db: Query, articleId: string, id: string): Promise<boolean> {
  const rows = await db(sql`
    DELETE FROM "preview_tokens" WHERE "id" = CAST(${id} AS uuid) AND "article_id" = CAST(${articleId} AS uuid) RETURNING 1`)
  return rows.length > 0
}

/** Revokes every preview token of an article; how many. */
export async function deletePreviews(db: Query, articleId: string): Promise<number> {
  return (await db(sql`DELETE FROM "preview_tokens" WHERE "article_id" = CAST(${articleId} AS uuid) RETURNING 1`))
    .length
}

/** Deletes expired preview tokens (they no longer open anything); how many. */
export async function deleteExpiredPreviews(db: Query): Promise<number> {
  return (await db(sql`DELETE FROM "preview_tokens" WHERE "expires_at" <= now() RETURNING 1`)).length
}
