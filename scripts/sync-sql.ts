/**
 * `npm run sql:sync`: writes `src/db/queries/snapshots/<module>.sql`, the SQL every statement
 * function of `src/db/queries/` sends, as the driver receives it (the `$n` text of the tagged
 * template, with its parameters in a comment), for each of the named examples below. The
 * statements are built from fragments (visibility shelves, the outbox writer, list pages), so
 * these files are where a reviewer sees what a change to a fragment does to every statement.
 * `test/unit/sql-snapshots.test.ts` renders them again and fails while a committed file differs.
 *
 * Nothing here touches a database: each function is called with a recording `Query` that keeps
 * the statements it is sent and answers with the example's canned rows (a function that reads a
 * row to go on gets one). The clock is frozen at NOW while a function runs, so statements that
 * read it themselves are the same on every run.
 *
 * The table is strict: every exported async function of a module is a statement and needs at
 * least one example; an exported function that sends no statement (an SQL fragment, a list spec)
 * is listed in NOT_STATEMENTS; an example or exclusion naming a function that does not exist
 * fails, and so does a module with statements but no table. A module of fragments only has no
 * snapshot of its own: its SQL shows in the statements built from it.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Principal } from '../src/auth.js'
import {
  CursorCodec,
  paginate,
  type CursorValue,
  type ListSpec,
  type PageRequest,
  type SortTerm,
} from '../src/db/paging.js'
import type { ChangeNote } from '../src/db/queries/article-history.js'
import * as lists from '../src/db/queries/article-lists.js'
import * as articles from '../src/db/queries/articles.js'
import * as authors from '../src/db/queries/authors.js'
import * as comments from '../src/db/queries/comments.js'
import * as feeds from '../src/db/queries/feeds.js'
import * as idempotency from '../src/db/queries/idempotency.js'
import * as media from '../src/db/queries/media.js'
import * as outbox from '../src/db/queries/outbox.js'
import * as previews from '../src/db/queries/previews.js'
import * as rendering from '../src/db/queries/rendering.js'
import * as revisions from '../src/db/queries/revisions.js'
import * as settings from '../src/db/queries/settings.js'
import * as sitemaps from '../src/db/queries/sitemaps.js'
import * as slugs from '../src/db/queries/slugs.js'
import * as tags from '../src/db/queries/tags.js'
import * as tokens from '../src/db/queries/tokens.js'
import * as webhooks from '../src/db/queries/webhooks.js'
import type { Query, Sql } from '../src/db/sql.js'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const QUERIES_DIR = path.join(ROOT, 'src/db/queries')
export const SNAPSHOTS_DIR = path.join(QUERIES_DIR, 'snapshots')

// ---------------------------------------------------------------------------------------------
// Fixed example values: no randomness, no clock.

/** The moment every example runs at (the clock is frozen here while a statement is built). */
const NOW = new Date('2026-01-01T00:00:00Z')
const LATER = new Date('2026-01-02T09:30:00Z')
const EARLIER = new Date('2025-12-02T00:00:00Z')

const ARTICLE_ID = '0b7e2c1a-0000-4000-8000-000000000001'
const OTHER_ARTICLE_ID = '0b7e2c1a-0000-4000-8000-000000000002'
const AUTHOR_ID = 'a0a0a0a0-0000-4000-8000-000000000001'
const TOKEN_ID = '70707070-0000-4000-8000-000000000001'
const AUTHOR_TOKEN_ID = '70707070-0000-4000-8000-000000000002'
const PREVIEW_ID = 'b5b5b5b5-0000-4000-8000-000000000001'
const COMMENT_ID = 'c0c0c0c0-0000-4000-8000-000000000001'
const PARENT_COMMENT_ID = 'c0c0c0c0-0000-4000-8000-000000000002'
const SUBSCRIPTION_ID = '5ab5cab5-0000-4000-8000-000000000001'
const OTHER_SUBSCRIPTION_ID = '5ab5cab5-0000-4000-8000-000000000002'
const EVENT_ID = 'e7e7e7e7-0000-4000-8000-000000000001'
const OTHER_EVENT_ID = 'e7e7e7e7-0000-4000-8000-000000000002'
const DELIVERY_ID = 'd1d1d1d1-0000-4000-8000-000000000001'
const OTHER_DELIVERY_ID = 'd1d1d1d1-0000-4000-8000-000000000002'
const MEDIA_ID = '3e3e3e3e-0000-4000-8000-000000000001'
const SLUG = 'city-council-passes-budget'
/** A secret hash as stored (64 hex digits); the statements only compare it. */
const SECRET_HASH = '1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014'

const ANONYMOUS: Principal = { kind: 'anonymous' }
const EDITOR: Principal = { kind: 'token', tokenId: TOKEN_ID, name: 'news desk', role: 'editor', authorId: null }
const AUTHOR: Principal = {
  kind: 'token',
  tokenId: AUTHOR_TOKEN_ID,
  name: 'Ada Byline',
  role: 'author',
  authorId: AUTHOR_ID,
}
const VIEWER: Principal = { kind: 'token', tokenId: TOKEN_ID, name: 'dashboard', role: 'viewer', authorId: null }
const PREVIEW: Principal = { kind: 'preview', previewId: PREVIEW_ID, articleId: ARTICLE_ID }

const codec = new CursorCodec('sql-snapshots')

/** A list request as a service makes it: the spec's sort parsed, page mode unless `after` is given. */
function page(
  spec: ListSpec,
  request: PageRequest = {},
  options: { after?: CursorValue[]; extraTerms?: SortTerm[] } = {},
) {
  const first = paginate(spec, request, codec, options.extraTerms)
  if (options.after === undefined) return { pagination: first, codec }
  const cursor = codec.encode(first.sortKey, options.after)
  return { pagination: paginate(spec, { ...request, cursor }, codec, options.extraTerms), codec }
}

const search = lists.searchQuery('english', 'budget vote')
const editorNote = (note: Partial<ChangeNote> = {}): ChangeNote => ({
  action: 'update',
  actor: { tokenId: TOKEN_ID, name: 'news desk' },
  event: 'article.updated',
  keep: 50,
  now: NOW,
  ...note,
})
const attempt: outbox.Attempt = { responseStatus: 204, responseBody: '', error: null, latencyMs: 87 }

/** The answer of a list page's one statement: a row carrying the total, so no second statement runs. */
const ONE_PAGE = [[{ __total: 1 }]]
/** An empty page: no row to read the total from, so the list counts with a second statement. */
const EMPTY_PAGE = [[], [{ n: 0 }]]

// ---------------------------------------------------------------------------------------------
// The table.

type Rows = Record<string, unknown>[]

export interface Example<Args extends unknown[] = unknown[]> {
  /** What the example shows, as the snapshot's heading names it: who calls, with what options. */
  name: string
  /** The arguments after `db`. */
  args: Args
  /** What each statement answers, in order (default: no rows), where the function reads a row to go on. */
  rows?: Rows[]
}

type Statement = (db: Query, ...args: any[]) => Promise<unknown>
type ArgsOf<F> = F extends (db: Query, ...args: infer A) => Promise<unknown> ? A : never
type Examples<M> = { [K in keyof M as M[K] extends Statement ? K : never]?: Example<ArgsOf<M[K]>>[] }

interface ModuleTable {
  module: Record<string, unknown>
  examples: Record<string, Example[]>
}

/** A module's examples, typed against its functions' signatures (a changed signature fails tsc here). */
function table<M extends object>(module: M, examples: Examples<M>): ModuleTable {
  return { module: module as Record<string, unknown>, examples: examples as Record<string, Example[]> }
}

/**
 * Exported functions that send no statement: SQL fragments and list-spec builders that
 * statements and services compose. Every other exported function must be an async statement
 * function with examples.
 */
export const NOT_STATEMENTS: Record<string, string[]> = {
  'article-history': ['snapshot', 'articleEvent', 'recorded', 'destroyed'],
  'article-lists': ['listSpec', 'searchQuery', 'rankTerm'],
  'article-visibility': ['visible', 'publiclyVisible', 'visibleArticle'],
  events: ['jsonObject', 'outboxEvent'],
  media: ['embeddedMedia'],
}

/** Module (path under src/db/queries, without `.ts`) → its statement functions' examples, in file order. */
export const TABLE: Record<string, ModuleTable> = {
  articles: table(articles, {
    findArticle: [
      { name: 'anonymous, by slug', args: [ANONYMOUS, SLUG] },
      { name: 'anonymous, by id, with author', args: [ANONYMOUS, ARTICLE_ID, { withAuthor: true }] },
      { name: 'author token, by slug: published or its own', args: [AUTHOR, SLUG] },
      { name: 'editor, by slug: any live article', args: [EDITOR, SLUG] },
      { name: 'preview token, by id: its one article', args: [PREVIEW, ARTICLE_ID] },
      { name: 'editor, any shelf', args: [EDITOR, SLUG, { shelf: 'any' }] },
      { name: 'author token, trash shelf, locked', args: [AUTHOR, ARTICLE_ID, { shelf: 'trash', lock: true }] },
      { name: 'viewer token, trash shelf: never', args: [VIEWER, SLUG, { shelf: 'trash' }] },
      {
        name: 'anonymous, by slug, fields=title,status (sparse: only those columns)',
        args: [ANONYMOUS, SLUG, { columns: ['id', 'title', 'publishedAt'], withAuthor: false }],
      },
    ],
    lockArticles: [{ name: 'ids and slugs', args: [[OTHER_ARTICLE_ID, SLUG, ARTICLE_ID]] }],
    findVisibleId: [
      { name: 'anonymous, by slug', args: [ANONYMOUS, SLUG] },
      { name: 'author token, by id', args: [AUTHOR, ARTICLE_ID] },
    ],
    listArticles: [
      {
        name: 'anonymous, first page: total from the counters',
        args: [ANONYMOUS, {}, { ...page(lists.listSpec({ dated: true })), withAuthor: false, now: NOW }],
        rows: ONE_PAGE,
      },
      {
        name: 'anonymous, fields=slug,title,author.name (sparse: those columns and the sort key)',
        args: [
          ANONYMOUS,
          {},
          {
            ...page(lists.listSpec({ dated: true })),
            columns: ['id', 'slug', 'title', 'authorId'],
            withAuthor: true,
            now: NOW,
          },
        ],
        rows: ONE_PAGE,
      },
      {
        name: 'anonymous, empty page: the total counted apart',
        args: [ANONYMOUS, {}, { ...page(lists.listSpec({ dated: true }), { page: 9 }), withAuthor: false, now: NOW }],
        rows: EMPTY_PAGE,
      },
      {
        name: 'anonymous, search by relevance, with author',
        args: [
          ANONYMOUS,
          { search },
          {
            ...page(lists.listSpec({ dated: true }), {}, { extraTerms: [lists.rankTerm(search)] }),
            withAuthor: true,
            now: NOW,
          },
        ],
        rows: ONE_PAGE,
      },
      {
        name: 'anonymous, next page by cursor (newest first)',
        args: [
          ANONYMOUS,
          {},
          {
            ...page(
              lists.listSpec({ dated: true }),
              { limit: 10 },
              { after: ['2025-12-30T08:00:00.000Z', ARTICLE_ID] },
            ),
            withAuthor: false,
            now: NOW,
          },
        ],
        rows: ONE_PAGE,
      },
      {
        name: 'author token, by author, tags and dates',
        args: [
          AUTHOR,
          {
            author: 'ada-byline',
            tags: ['politics', 'city-hall'],
            publishedAfter: '2025-01-01T00:00:00Z',
            publishedBefore: '2026-01-01T00:00:00Z',
          },
          { ...page(lists.listSpec({ dated: false }), { sort: 'title' }), withAuthor: false, now: NOW },
        ],
        rows: ONE_PAGE,
      },
      {
        name: 'editor, unfiltered: total from the counter',
        args: [EDITOR, {}, { ...page(lists.listSpec({ dated: false })), withAuthor: true, now: NOW }],
        rows: ONE_PAGE,
      },
      {
        name: 'editor, drafts, no total',
        args: [
          EDITOR,
          { status: 'draft' },
          { ...page(lists.listSpec({ dated: false }), { count: false }), withAuthor: false, now: NOW },
        ],
      },
      {
        name: 'editor, scheduled, next page by cursor on a nullable sort',
        args: [
          EDITOR,
          { status: 'scheduled' },
          {
            ...page(
              lists.listSpec({ dated: true }),
              { sort: '-publishedAt' },
              { after: ['2026-01-05T06:00:00.000Z', ARTICLE_ID] },
            ),
            withAuthor: false,
            now: NOW,
          },
        ],
        rows: ONE_PAGE,
      },
      {
        name: 'editor, next page by cursor after an undated draft',
        args: [
          EDITOR,
          {},
          { ...page(lists.listSpec({ dated: false }), {}, { after: [null, ARTICLE_ID] }), withAuthor: false, now: NOW },
        ],
        rows: ONE_PAGE,
      },
    ],
    startHistory: [{ name: 'seeded articles without a revision', args: [] }],
    insertArticle: [
      {
        name: 'a new draft',
        args: [
          {
            slug: SLUG,
            title: 'City council passes budget',
            excerpt: 'After a long night, the vote.',
            body: 'The council voted 7 to 2.',
            tags: ['politics', 'city-hall'],
            authorId: AUTHOR_ID,
            coverImageId: null,
          },
          editorNote({ action: 'create', event: 'article.created' }),
        ],
      },
    ],
    updateArticle: [
      {
        name: 'editor, several fields, If-Match version',
        args: [
          SLUG,
          {
            title: 'Budget passes',
            slug: 'budget-passes',
            body: 'Seven to two.',
            tags: ['politics'],
            authorId: AUTHOR_ID,
          },
          { expected: 3 },
          editorNote(),
        ],
      },
      {
        name: 'author token, publish its own, any version, keeping every revision',
        args: [
          ARTICLE_ID,
          { publishedAt: NOW, liveEventAt: NOW },
          { expected: '*', ownerId: AUTHOR_ID },
          editorNote({
            action: 'publish',
            event: 'article.published',
            actor: { tokenId: AUTHOR_TOKEN_ID, name: 'Ada Byline' },
            keep: undefined,
          }),
        ],
      },
      {
        name: 'editor, schedule',
        args: [
          ARTICLE_ID,
          { publishedAt: LATER, liveEventAt: null },
          { expected: 4 },
          editorNote({ action: 'publish' }),
        ],
      },
      {
        name: 'editor, unpublish',
        args: [
          ARTICLE_ID,
          { publishedAt: null, liveEventAt: null },
          { expected: 5 },
          editorNote({ action: 'unpublish', event: 'article.unpublished' }),
        ],
      },
      {
        name: 'editor, into the trash',
        args: [
          ARTICLE_ID,
          { trashedAt: NOW },
          { expected: 6 },
          editorNote({ action: 'trash', event: 'article.trashed' }),
        ],
      },
      {
        name: 'editor, out of the trash',
        args: [
          ARTICLE_ID,
          { trashedAt: null },
          { expected: '*', shelf: 'trash' },
          editorNote({ action: 'untrash', event: 'article.restored' }),
        ],
      },
      {
        name: 'editor, a revision copied back',
        args: [
          ARTICLE_ID,
          {
            title: 'City council passes budget',
            excerpt: 'After a long night, the vote.',
            body: 'The council voted 7 to 2.',
          },
          { expected: 7 },
          editorNote({ action: 'restore', restoredFrom: 2 }),
        ],
      },
    ],
    deleteArticle: [
      { name: 'If-Match version', args: [ARTICLE_ID, { expected: 8, now: NOW }] },
      { name: 'any version', args: [ARTICLE_ID, { expected: '*', now: NOW }] },
    ],
    purgeTrash: [{ name: 'trashed before the retention cutoff', args: [EARLIER, 100, NOW] }],
    announceDue: [{ name: 'scheduled articles whose time has come', args: [NOW, 100] }],
    nextGoLive: [{ name: 'the next scheduled go-live', args: [NOW] }],
    listTrash: [
      { name: 'editor, first page', args: [EDITOR, page(lists.trashSpec)], rows: ONE_PAGE },
      {
        name: 'author token, by title, next page by cursor',
        args: [AUTHOR, page(lists.trashSpec, { sort: 'title' }, { after: ['Budget passes', ARTICLE_ID] })],
        rows: ONE_PAGE,
      },
    ],
    authorHasArticles: [{ name: 'by author id', args: [AUTHOR_ID] }],
  }),

  authors: table(authors, {
    findAuthor: [
      { name: 'by slug', args: ['ada-byline'] },
      { name: 'by id', args: [AUTHOR_ID] },
      { name: 'fields=name,avatarUrl', args: ['ada-byline', { columns: ['name', 'avatarUrl'] }] },
      {
        name: 'fields=name,email, author token: its own email only',
        args: [AUTHOR_ID, { columns: ['name', 'email'], emailOf: AUTHOR_ID }],
      },
    ],
    authorExists: [{ name: 'by id', args: [AUTHOR_ID] }],
    listAuthors: [
      { name: 'first page', args: [{}, page(authors.authorListSpec)], rows: ONE_PAGE },
      {
        name: 'name search, next page by cursor',
        args: [{ q: 'ada' }, page(authors.authorListSpec, { limit: 10 }, { after: ['Ada Byline', AUTHOR_ID] })],
        rows: ONE_PAGE,
      },
      {
        name: 'fields=slug,email (staff), by -createdAt: the sort column read for the cursor',
        args: [{}, { ...page(authors.authorListSpec, { sort: '-createdAt' }), columns: ['slug', 'email'] }],
        rows: ONE_PAGE,
      },
    ],
    insertAuthor: [
      {
        name: 'a new author',
        args: [
          {
            slug: 'ada-byline',
            name: 'Ada Byline',
            email: 'ada@example.com',
            bio: 'City hall reporter.',
            avatarUrl: null,
            avatarId: null,
            website: 'https://example.com/ada',
          },
        ],
      },
    ],
    updateAuthor: [
      {
        name: 'several fields, If-Match version',
        args: [AUTHOR_ID, { name: 'Ada B. Byline', bio: 'Politics editor.', email: 'ada.b@example.com' }, 2],
      },
      { name: 'new slug, any version', args: [AUTHOR_ID, { slug: 'ada-b-byline' }, '*'] },
    ],
    deleteAuthor: [
      { name: 'If-Match version', args: [AUTHOR_ID, { expected: 3 }] },
      { name: 'any version', args: [AUTHOR_ID] },
    ],
  }),

  comments: table(comments, {
    listArticleComments: [
      {
        name: 'anonymous, by slug',
        args: [ANONYMOUS, SLUG, page(comments.commentListSpec)],
        rows: ONE_PAGE,
      },
      {
        name: 'anonymous, empty page: the total counted apart',
        args: [ANONYMOUS, SLUG, page(comments.commentListSpec, { page: 3 })],
        rows: EMPTY_PAGE,
      },
      {
        name: 'author token, by id, next page by cursor',
        args: [
          AUTHOR,
          ARTICLE_ID,
          page(comments.commentListSpec, {}, { after: ['2025-12-31T12:00:00.000Z', COMMENT_ID] }),
        ],
        rows: ONE_PAGE,
      },
      {
        name: 'anonymous, fields=authorName,bodyHtml',
        args: [
          ANONYMOUS,
          SLUG,
          { ...page(comments.commentListSpec), columns: ['authorName', 'bodyHtml', 'articleId'] },
        ],
        rows: ONE_PAGE,
      },
    ],
    listComments: [
      { name: 'the whole queue', args: [{}, page(comments.commentListSpec)], rows: ONE_PAGE },
      {
        name: 'pending comments of one article, by slug',
        args: [{ status: 'pending', article: SLUG }, page(comments.commentListSpec, { sort: '-createdAt' })],
        rows: ONE_PAGE,
      },
      {
        name: 'fields=authorEmail,status',
        args: [{}, { ...page(comments.commentListSpec), columns: ['authorEmail', 'status'] }],
        rows: ONE_PAGE,
      },
    ],
    findComment: [
      { name: 'by id', args: [COMMENT_ID] },
      { name: 'fields=status', args: [COMMENT_ID, { columns: ['status'] }] },
    ],
    insertComment: [
      {
        name: 'top level, by slug',
        args: [
          SLUG,
          {
            parentId: null,
            authorName: 'Reader',
            authorEmail: 'reader@example.com',
            body: 'Finally.',
            status: 'pending',
          },
        ],
      },
      {
        name: 'a reply, by id',
        args: [
          ARTICLE_ID,
          {
            parentId: PARENT_COMMENT_ID,
            authorName: 'Reader',
            authorEmail: 'reader@example.com',
            body: 'Agreed.',
            status: 'approved',
          },
        ],
      },
    ],
    lockComment: [{ name: 'a comment of a live article', args: [COMMENT_ID], rows: [[{ id: ARTICLE_ID }]] }],
    lockComments: [{ name: 'several', args: [[PARENT_COMMENT_ID, COMMENT_ID]] }],
    updateComment: [
      { name: 'new status', args: [COMMENT_ID, { status: 'approved' }] },
      { name: 'new status and body', args: [COMMENT_ID, { status: 'rejected', body: '[removed]' }] },
    ],
    deleteComment: [{ name: 'by id', args: [COMMENT_ID] }],
    recordCommentChange: [
      {
        name: 'approval: one more, with its event',
        args: [
          {
            articleId: ARTICLE_ID,
            delta: 1,
            event: {
              type: 'comment.approved',
              comment: { id: COMMENT_ID, parentId: PARENT_COMMENT_ID, status: 'approved' },
              wasApproved: false,
            },
          },
        ],
      },
      { name: 'count only, no event', args: [{ articleId: ARTICLE_ID, delta: -1 }] },
    ],
  }),

  feeds: table(feeds, {
    latestArticles: [
      { name: 'every published article', args: [{}, { now: NOW, limit: 50 }] },
      { name: 'a tag', args: [{ tag: 'city-hall' }, { now: NOW, limit: 50 }] },
    ],
    authorFeed: [{ name: 'by slug, with the author', args: ['ada-byline', { now: NOW, limit: 50 }] }],
  }),

  idempotency: table(idempotency, {
    tryLockKey: [{ name: 'a token and a key', args: [`token:${TOKEN_ID}`, 'create-article-42'] }],
    findKey: [{ name: 'a token and a key', args: [`token:${TOKEN_ID}`, 'create-article-42'] }],
    storeKey: [
      {
        name: 'a created article',
        args: [
          `token:${TOKEN_ID}`,
          'create-article-42',
          'sha256:7d1a54127b222502f5b79b5fb0803061152a44f92b37e23c6527baf665d4da9a',
          {
            status: 201,
            headers: { 'content-type': 'application/json; charset=utf-8', location: `/api/v1/articles/${ARTICLE_ID}` },
            body: '{"id":"…"}',
          },
          86_400_000,
        ],
      },
    ],
    deleteExpiredKeys: [{ name: 'housekeeping', args: [] }],
  }),

  outbox: table(outbox, {
    lockUndispatched: [{ name: 'a batch', args: [100] }],
    insertWebhookDeliveries: [{ name: 'two events', args: [[EVENT_ID, OTHER_EVENT_ID]] }],
    insertPurgeDeliveries: [
      {
        name: 'one event, two CDNs',
        args: [
          [
            {
              eventId: EVENT_ID,
              articleId: ARTICLE_ID,
              position: '41',
              cdn: 'varnish',
              keys: ['articles', `article:${ARTICLE_ID}`],
            },
            {
              eventId: EVENT_ID,
              articleId: ARTICLE_ID,
              position: '41',
              cdn: 'fastly',
              keys: ['articles', `article:${ARTICLE_ID}`],
            },
          ],
        ],
      },
    ],
    markDispatched: [{ name: 'two events', args: [[EVENT_ID, OTHER_EVENT_ID]] }],
    dispatchBacklog: [{ name: 'metrics scrape', args: [] }],
    claimDue: [{ name: 'free slots, a lease, a cap per target', args: [8, 30_000, 4] }],
    markDelivered: [{ name: 'one attempt', args: [[DELIVERY_ID], attempt] }],
    markFailed: [
      {
        name: 'tried again later',
        args: [
          [DELIVERY_ID],
          { responseStatus: 503, responseBody: 'busy', error: null, latencyMs: 120 },
          { retryAt: LATER },
        ],
      },
      {
        name: 'given up',
        args: [
          [DELIVERY_ID, OTHER_DELIVERY_ID],
          { responseStatus: null, responseBody: null, error: 'timeout', latencyMs: 10_000 },
        ],
      },
    ],
    listDeliveries: [
      {
        name: 'a subscription',
        args: [{ subscriptionId: SUBSCRIPTION_ID }, {}, page(outbox.deliveryListSpec)],
        rows: ONE_PAGE,
      },
      {
        name: 'one CDN, failed ones',
        args: [{ cdn: 'fastly' }, { status: 'failed' }, page(outbox.deliveryListSpec)],
        rows: ONE_PAGE,
      },
      {
        name: 'every CDN, next page by cursor',
        args: [
          { cdn: undefined },
          {},
          page(outbox.deliveryListSpec, {}, { after: ['2025-12-31T12:00:00.000Z', DELIVERY_ID] }),
        ],
        rows: ONE_PAGE,
      },
    ],
    insertRedelivery: [
      { name: 'a settled delivery', args: [SUBSCRIPTION_ID, DELIVERY_ID], rows: [[{ id: OTHER_DELIVERY_ID }]] },
    ],
    insertPing: [
      {
        name: 'one subscription',
        args: [{ subscriptionId: SUBSCRIPTION_ID, message: 'Ping from Broadsheet' }],
        rows: [[{ id: DELIVERY_ID }]],
      },
    ],
    pruneEvents: [{ name: 'settled events before a moment', args: [EARLIER] }],
  }),

  media: table(media, {
    findEmbeddedMedia: [{ name: 'a cover or avatar by id', args: [MEDIA_ID] }],
    findMedia: [
      { name: 'a token: any item', args: [MEDIA_ID] },
      { name: 'anonymous: public items only', args: [MEDIA_ID, { publicOnly: true }] },
    ],
    lockMediaForUse: [{ name: 'a cover or avatar about to be used', args: [MEDIA_ID] }],
    lockMediaForChange: [{ name: 'before clearing its alt text', args: [MEDIA_ID] }],
    illustratesPublication: [{ name: 'a published or scheduled cover?', args: [MEDIA_ID] }],
    listMedia: [
      { name: 'the library, newest first', args: [{}, page(media.mediaListSpec)], rows: ONE_PAGE },
      {
        name: 'filtered: text, type, public; next page by cursor',
        args: [
          { q: 'harbour', mimeType: 'image/jpeg', public: true, publicOnly: false },
          page(media.mediaListSpec, {}, { after: ['2025-12-31T12:00:00.000Z', MEDIA_ID] }),
        ],
        rows: ONE_PAGE,
      },
    ],
    insertMedia: [
      {
        name: 'an upload',
        args: [
          {
            storageKey: 'originals/AAAAAAAAAAAAAAAAAAAAAAAA',
            mimeType: 'image/jpeg',
            width: 1600,
            height: 1200,
            bytes: 245_001,
            alt: 'The harbour crane at dusk',
            caption: '',
            credit: 'Amara Okafor',
            license: '',
            focalX: 0.5,
            focalY: 0.35,
            placeholderColor: '#3a5f7d',
            thumbhash: 'HBkSHYSIeHiPiHh8eJd4eTN0EEQG',
            public: false,
            uploadedBy: TOKEN_ID,
          },
        ],
        rows: [[{ id: MEDIA_ID }]],
      },
    ],
    updateMedia: [
      { name: 'text fields, If-Match', args: [MEDIA_ID, { alt: 'Crane', credit: 'A. Okafor' }, 3] },
      { name: 'a new focal point: the old crops go', args: [MEDIA_ID, { focalX: 0.2, focalY: 0.8 }, '*'] },
    ],
    deleteMedia: [
      { name: 'any version', args: [MEDIA_ID] },
      { name: 'If-Match', args: [MEDIA_ID, { expected: 4 }] },
    ],
    findVariant: [{ name: 'a stored rendition', args: [MEDIA_ID, 'card', 'webp'] }],
    insertVariant: [
      {
        name: 'made on first request',
        args: [
          {
            mediaId: MEDIA_ID,
            variant: 'card',
            format: 'webp',
            storageKey: 'variants/BBBBBBBBBBBBBBBBBBBBBBBB',
            width: 800,
            height: 450,
            bytes: 31_337,
          },
          2,
        ],
      },
    ],
  }),

  previews: table(previews, {
    insertPreview: [
      {
        name: 'a preview link',
        args: [
          { articleId: ARTICLE_ID, secretHash: SECRET_HASH, prefix: 'bsp_Zx8q', tokenId: TOKEN_ID, expiresAt: LATER },
        ],
      },
    ],
    findPreviewByHash: [{ name: 'authentication', args: [SECRET_HASH] }],
    listPreviews: [{ name: "an article's links", args: [ARTICLE_ID, page(previews.previewListSpec)], rows: ONE_PAGE }],
    deletePreview: [{ name: 'one link', args: [ARTICLE_ID, PREVIEW_ID] }],
    deletePreviews: [{ name: 'every link of an article', args: [ARTICLE_ID] }],
    deleteExpiredPreviews: [{ name: 'housekeeping', args: [] }],
  }),

  revisions: table(revisions, {
    listRevisions: [
      { name: 'newest first', args: [ARTICLE_ID, page(revisions.revisionListSpec)], rows: ONE_PAGE },
      {
        name: 'oldest first, next page by cursor',
        args: [ARTICLE_ID, page(revisions.revisionListSpec, { sort: 'number' }, { after: [20, 20] })],
        rows: ONE_PAGE,
      },
    ],
    findRevisions: [{ name: 'two numbers (a diff)', args: [ARTICLE_ID, [3, 5]] }],
    previousNumber: [{ name: 'below a number', args: [ARTICLE_ID, 5] }],
  }),

  rendering: table(rendering, {
    staleArticleBodies: [{ name: 'a batch after an id', args: [1, ARTICLE_ID, 200] }],
    storeArticleRenderings: [
      {
        name: 'two articles',
        args: [
          1,
          [
            { id: ARTICLE_ID, body: '# Budget', html: '<h1 id="budget">Budget</h1>', text: 'Budget', wordCount: 1 },
            { id: OTHER_ARTICLE_ID, body: 'Yes.', html: '<p>Yes.</p>', text: 'Yes.', wordCount: 1 },
          ],
        ],
      },
    ],
    staleCommentBodies: [{ name: 'a batch after an id', args: [1, COMMENT_ID, 1000] }],
    storeCommentRenderings: [
      { name: 'one comment', args: [1, [{ id: COMMENT_ID, body: 'Thanks!', html: '<p>Thanks!</p>' }]] },
    ],
    renderedVersion: [{ name: 'at start-up', args: [] }],
    setRenderedVersion: [{ name: 'after rendering', args: [1] }],
  }),

  settings: table(settings, {
    settingOrInit: [{ name: 'a cursor key', args: ['cursor-key', 'k3y'], rows: [[], [{ value: 'k3y' }]] }],
    ping: [{ name: 'health', args: [] }],
  }),

  sitemaps: table(sitemaps, {
    sitemapIndex: [
      {
        name: 'files of 50,000, the news window, the authors',
        args: [{ now: NOW, perFile: 50_000, news: { since: new Date('2025-12-30T00:00:00Z'), limit: 1000 } }],
      },
    ],
    sitemapArticles: [
      {
        name: 'the first file, {siteUrl}/articles/{slug}',
        args: [
          {
            now: NOW,
            file: 1,
            perFile: 50_000,
            mediaBase: 'https://api.example.com/media/',
            url: { text: ['https://news.example.com/articles/', ''], placeholders: ['slug'] },
          },
        ],
      },
      {
        name: 'the third file, every placeholder',
        args: [
          {
            now: NOW,
            file: 3,
            perFile: 50_000,
            mediaBase: 'https://api.example.com/media/',
            url: {
              text: ['https://news.example.com/', '/', '/', '/', '-', '?ref=sitemap&amp;v=1'],
              placeholders: ['yyyy', 'mm', 'dd', 'slug', 'id'],
            },
          },
        ],
      },
    ],
    newsArticles: [
      {
        name: 'the last 48 hours, at most 1,000',
        args: [{ now: NOW, news: { since: new Date('2025-12-30T00:00:00Z'), limit: 1000 } }],
      },
    ],
    sitemapAuthors: [{ name: 'with a published article', args: [{ now: NOW, limit: 50_000 }] }],
  }),

  slugs: table(slugs, {
    lockSlugBase: [{ name: 'articles', args: ['articles', 'city-council-passes-budget'] }],
    takenSlugs: [
      { name: 'articles', args: ['articles', 'city-council-passes-budget'] },
      { name: 'authors', args: ['authors', 'ada-byline'] },
    ],
  }),

  tags: table(tags, {
    listTags: [
      { name: 'first page, by count', args: [{}, { ...page(tags.tagListSpec), now: NOW }], rows: ONE_PAGE },
      {
        name: 'prefix, no total, next page by cursor',
        args: [
          { prefix: 'pol' },
          { ...page(tags.tagListSpec, { count: false }, { after: [12, 'politics', 'politics'] }), now: NOW },
        ],
      },
    ],
  }),

  tokens: table(tokens, {
    findTokenByHash: [{ name: 'authentication', args: [SECRET_HASH] }],
    touchToken: [{ name: 'last used', args: [TOKEN_ID] }],
    listTokens: [{ name: 'all', args: [] }],
    findToken: [{ name: 'by id', args: [TOKEN_ID] }],
    insertToken: [
      {
        name: 'an author token',
        args: [{ name: 'Ada Byline', role: 'author', authorId: AUTHOR_ID, secretHash: SECRET_HASH, prefix: 'bs_Q2x9' }],
      },
    ],
    deleteToken: [{ name: 'by id', args: [TOKEN_ID] }],
    deleteEnvironmentAdmin: [{ name: 'ADMIN_TOKEN unset', args: [] }],
    replaceEnvironmentAdmin: [{ name: 'ADMIN_TOKEN set', args: [SECRET_HASH] }],
    insertFirstStartAdmin: [
      { name: 'first start', args: [{ name: 'first-start admin', secretHash: SECRET_HASH, prefix: 'bs_F1rs' }] },
    ],
  }),

  webhooks: table(webhooks, {
    listSubscriptions: [{ name: 'first page', args: [page(webhooks.subscriptionListSpec)], rows: ONE_PAGE }],
    findSubscription: [{ name: 'by id', args: [SUBSCRIPTION_ID] }],
    insertSubscription: [
      {
        name: 'a new subscription',
        args: [
          {
            url: 'https://hooks.example.com/broadsheet',
            events: ['article.published', 'article.unpublished'],
            description: 'revalidate pages',
            active: true,
            secret: 'enc:v1:k1:c2VhbGVk',
          },
        ],
      },
    ],
    updateSubscription: [
      {
        name: 'several fields, enabled again, If-Match version',
        args: [SUBSCRIPTION_ID, { url: 'https://hooks.example.com/v2', events: ['*'], active: true }, 2],
      },
      { name: 'disabled, any version', args: [SUBSCRIPTION_ID, { description: 'paused', active: false }, '*'] },
    ],
    rotateSecret: [{ name: 'with an overlap', args: [SUBSCRIPTION_ID, 'enc:v1:k1:bmV3', LATER] }],
    deleteSubscription: [
      { name: 'If-Match version', args: [SUBSCRIPTION_ID, { expected: 3 }] },
      { name: 'any version', args: [SUBSCRIPTION_ID] },
    ],
    signingDetails: [{ name: 'two subscriptions', args: [[SUBSCRIPTION_ID, OTHER_SUBSCRIPTION_ID]] }],
    secretsNotUnder: [
      { name: 'first batch', args: ['enc:v1:k2:', null, 100] },
      { name: 'next batch', args: ['enc:v1:k2:', SUBSCRIPTION_ID, 100] },
    ],
    replaceStoredSecrets: [
      {
        name: 'current secrets',
        args: [
          'secret',
          [
            { id: SUBSCRIPTION_ID, from: 'whsec_plain', to: 'enc:v1:k2:AAAA' },
            { id: OTHER_SUBSCRIPTION_ID, from: 'enc:v1:k1:BBBB', to: 'enc:v1:k2:CCCC' },
          ],
        ],
      },
      {
        name: 'previous secrets',
        args: ['previousSecret', [{ id: SUBSCRIPTION_ID, from: 'whsec_old', to: 'enc:v1:k2:DDDD' }]],
      },
    ],
    recordSuccess: [{ name: 'end of a failure run', args: [SUBSCRIPTION_ID] }],
    recordFailure: [{ name: 'disabled after 20 in a row', args: [SUBSCRIPTION_ID, 20, 'HTTP 410'] }],
  }),
}

// ---------------------------------------------------------------------------------------------
// Recording, rendering, comparing.

/** One statement as the snapshot shows it. */
export interface Entry {
  /** `module.function (example)`, and `statement i of n` when the function sent several. */
  title: string
  text: string
}

/** The statement modules on disk: paths under src/db/queries without `.ts`, the snapshots folder aside. */
async function moduleNames(): Promise<string[]> {
  const files = await readdir(QUERIES_DIR, { recursive: true })
  return files
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !file.startsWith('snapshots/'))
    .map((file) => file.slice(0, -'.ts'.length))
    .sort()
}

/** Runs `fn` with `new Date()` and `Date.now()` at `at`; every other use of Date is untouched. */
async function atFrozenClock<T>(at: Date, fn: () => Promise<T>): Promise<T> {
  const RealDate = Date
  const fixed = at.getTime()
  class FrozenDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(fixed)
      else super(...(args as [number]))
    }
    static override now(): number {
      return fixed
    }
  }
  globalThis.Date = FrozenDate as DateConstructor
  try {
    return await fn()
  } finally {
    globalThis.Date = RealDate
  }
}

/** The statements one call sends, answered with `rows` in order. */
async function record(fn: Statement, args: unknown[], rows: Rows[] = []): Promise<Sql[]> {
  const sent: Sql[] = []
  const db: Query = async <Row>(statement: Sql): Promise<Row[]> => {
    sent.push(statement)
    return (rows[sent.length - 1] ?? []) as Row[]
  }
  await atFrozenClock(NOW, () => fn(db, ...args))
  return sent
}

/**
 * The statement's text, lightly normalised so that it reads and stays stable: outside quotes and
 * comments, runs of blanks become one space and none is left before `,` or `)` or after `(`;
 * empty lines go; each line is indented by how many parentheses are open where it starts. No
 * word, quote or line break of the statement changes.
 */
export function normalise(text: string): string {
  const out: string[] = []
  let depth = 0
  let quote: "'" | '"' | undefined
  for (const rawLine of text.split('\n')) {
    const lineDepth = depth
    let line = ''
    let closersFirst = 0
    let sawCode = false
    for (let i = 0; i < rawLine.length; i++) {
      const ch = rawLine[i]!
      if (quote) {
        line += ch
        if (ch === quote) quote = undefined
        continue
      }
      if (ch === '-' && rawLine[i + 1] === '-') {
        line += rawLine.slice(i)
        break
      }
      if (ch === "'" || ch === '"') {
        quote = ch
        line += ch
        sawCode = true
        continue
      }
      if (/\s/.test(ch)) {
        if (line !== '' && !line.endsWith(' ') && !line.endsWith('(')) line += ' '
        continue
      }
      if ((ch === ',' || ch === ')') && line.endsWith(' ')) line = line.slice(0, -1)
      if (ch === '(') depth++
      if (ch === ')') {
        depth--
        if (!sawCode) closersFirst++
      }
      if (ch !== ')') sawCode = true
      line += ch
    }
    line = quote ? line : line.trimEnd()
    if (line === '') continue
    out.push('  '.repeat(Math.max(0, lineDepth - closersFirst)) + line)
  }
  return out.join('\n')
}

function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'bigint') return `${value}n`
  return JSON.stringify(value)
}

function renderStatement(statement: Sql): string {
  const params = statement.values.map((value, i) => `-- $${i + 1} = ${formatValue(value)}`)
  return [normalise(statement.text), ...params].join('\n')
}

/**
 * Every statement of every module, as entries per module; throws when the table and the modules
 * disagree (a statement function without an example, an example of a function that is gone, an
 * example that sends nothing).
 */
export async function renderEntries(): Promise<Map<string, Entry[]>> {
  const problems: string[] = []
  const result = new Map<string, Entry[]>()
  const onDisk = await moduleNames()
  for (const name of new Set([...Object.keys(TABLE), ...Object.keys(NOT_STATEMENTS)])) {
    if (!onDisk.includes(name)) problems.push(`scripts/sync-sql.ts names module "${name}", which src/db/queries lacks`)
  }
  for (const name of onDisk) {
    const loaded = (await import(pathToFileURL(path.join(QUERIES_DIR, `${name}.ts`)).href)) as Record<string, unknown>
    const statements = checkExports(name, loaded, problems)
    const entry = TABLE[name]
    if (!entry) {
      // A module of fragments only (no statement) has no snapshot of its own: its SQL shows in
      // the statements built from it.
      if (statements.length > 0) problems.push(`src/db/queries/${name}.ts has no examples table in scripts/sync-sql.ts`)
      continue
    }
    for (const fn of statements) {
      if ((entry.examples[fn] ?? []).length === 0)
        problems.push(`${name}.${fn} has no example in scripts/sync-sql.ts (a statement cannot skip its snapshot)`)
    }
    result.set(name, await recordModule(name, entry, problems))
  }
  if (problems.length > 0) throw new Error(`scripts/sync-sql.ts:\n- ${problems.join('\n- ')}`)
  return result
}

/** The statement functions a module exports; every other exported function must be in NOT_STATEMENTS. */
function checkExports(name: string, loaded: Record<string, unknown>, problems: string[]): string[] {
  const excluded = NOT_STATEMENTS[name] ?? []
  for (const fn of excluded) {
    if (typeof loaded[fn] !== 'function')
      problems.push(`NOT_STATEMENTS lists ${name}.${fn}, which is not an exported function`)
  }
  const statements: string[] = []
  for (const [fn, value] of Object.entries(loaded)) {
    if (typeof value !== 'function' || excluded.includes(fn)) continue
    if (value.constructor.name === 'AsyncFunction') statements.push(fn)
    else problems.push(`${name}.${fn} is exported but neither an async statement function nor listed in NOT_STATEMENTS`)
  }
  return statements
}

/** The statements every example of a module's table sends, in table order. */
async function recordModule(name: string, entry: ModuleTable, problems: string[]): Promise<Entry[]> {
  const entries: Entry[] = []
  for (const [fn, examples] of Object.entries(entry.examples)) {
    const statement = entry.module[fn]
    if (typeof statement !== 'function' || statement.constructor.name !== 'AsyncFunction') {
      problems.push(`the examples name ${name}.${fn}, which is not an exported async function`)
      continue
    }
    const names = new Set<string>()
    for (const example of examples) {
      const title = `${name}.${fn} (${example.name})`
      if (names.has(example.name)) problems.push(`${title} is named twice`)
      names.add(example.name)
      let sent: Sql[]
      try {
        sent = await record(statement as Statement, example.args, example.rows)
      } catch (error) {
        problems.push(`${title} failed: ${error instanceof Error ? error.message : String(error)}`)
        continue
      }
      if (sent.length === 0) problems.push(`${title} sent no statement`)
      sent.forEach((statement, i) =>
        entries.push({
          title: sent.length === 1 ? title : `${title}, statement ${i + 1} of ${sent.length}`,
          text: renderStatement(statement),
        }),
      )
    }
  }
  return entries
}

function header(module: string): string {
  return [
    `-- The SQL of src/db/queries/${module}.ts: every statement its functions send, for the examples`,
    '-- in scripts/sync-sql.ts, as the driver receives it ($n are parameters, listed after each).',
    '-- Generated: do not edit. Regenerate with `npm run sql:sync`; test/unit/sql-snapshots.test.ts',
    '-- fails while this file differs from what the code sends.',
  ].join('\n')
}

/** A snapshot file: its header, then one block per statement, blocks apart by an empty line. */
export function renderFile(module: string, entries: Entry[]): string {
  return [header(module), ...entries.map((e) => `-- ${e.title}\n${e.text}`)].join('\n\n') + '\n'
}

/** Snapshot path (relative to SNAPSHOTS_DIR) → content, for every module. */
export async function renderSnapshots(): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  for (const [module, entries] of await renderEntries()) files.set(`${module}.sql`, renderFile(module, entries))
  return files
}

/** The committed snapshot files: path relative to SNAPSHOTS_DIR → content. */
export async function readSnapshots(): Promise<Map<string, string>> {
  const files = new Map<string, string>()
  // No folder yet: every module's file is missing.
  const names = await readdir(SNAPSHOTS_DIR, { recursive: true }).catch(() => [])
  const snapshots = names.map((n) => n.split(path.sep).join('/')).filter((n) => n.endsWith('.sql'))
  for (const name of snapshots.sort()) files.set(name, await readFile(path.join(SNAPSHOTS_DIR, name), 'utf8'))
  return files
}

/**
 * The first difference between generated and committed snapshots, naming the statement (its
 * heading) where a file differs; undefined when they agree.
 */
export function firstDifference(generated: Map<string, string>, committed: Map<string, string>): string | undefined {
  const hint = 'run `npm run sql:sync` and commit src/db/queries/snapshots/'
  for (const [file, content] of generated) {
    const old = committed.get(file)
    if (old === undefined) return `src/db/queries/snapshots/${file} is missing: ${hint}`
    if (old === content) continue
    const now = content.split('\n\n')
    const before = old.split('\n\n')
    for (let i = 0; i < Math.max(now.length, before.length); i++) {
      if (now[i] === before[i]) continue
      const title = (block: string | undefined) => block?.split('\n')[0]?.replace(/^-- /, '')
      const which =
        now[i] === undefined
          ? `${title(before[i])} is in the snapshot but no longer sent`
          : i === 0
            ? 'the header differs'
            : title(now[i]) === title(before[i]) || before[i] === undefined
              ? `${title(now[i])} differs`
              : `${title(now[i])} differs (the snapshot has ${title(before[i])} here)`
      return `src/db/queries/snapshots/${file}: ${which}: ${hint}`
    }
  }
  for (const file of committed.keys()) {
    if (!generated.has(file)) return `src/db/queries/snapshots/${file} belongs to no statement module: ${hint}`
  }
  return undefined
}

async function main(): Promise<void> {
  const files = await renderSnapshots()
  const committed = await readSnapshots()
  for (const file of committed.keys()) {
    if (!files.has(file)) await rm(path.join(SNAPSHOTS_DIR, file))
  }
  let changed = 0
  for (const [file, content] of files) {
    if (committed.get(file) === content) continue
    await mkdir(path.dirname(path.join(SNAPSHOTS_DIR, file)), { recursive: true })
    await writeFile(path.join(SNAPSHOTS_DIR, file), content)
    changed++
  }
  const statements = [...files.values()].reduce((n, content) => n + content.split('\n\n').length - 1, 0)
  console.log(`${statements} statements in ${files.size} files under src/db/queries/snapshots/ (${changed} changed)`)
}

// Run only as a script, not when the test imports the renderer.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
