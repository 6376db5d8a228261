import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ArticleSchema, type Article } from '../../schemas/article.js'
import { IdOrSlugParamsSchema, NoBody, described, problems, ref } from '../../schemas/common.js'
import {
  DiffQuerySchema,
  JsonPatchSchema,
  ListRevisionsQuerySchema,
  RevisionDiffSchema,
  RevisionListSchema,
  RevisionParamsSchema,
  RevisionSchema,
} from '../../schemas/revision.js'
import { linkNext, sendVersioned } from '../http.js'
import { sections, security } from '../common.js'

const WHO =
  "Only callers who may edit the article (its author's token, editors, admins) see its history, trashed articles included; " +
  "to anonymous callers every article's history is the same 404 as an unknown article, and a token that may read but " +
  'not edit the article gets 403.'
const JSON_PATCH = 'application/json-patch+json'

/** An article's history: revisions, diffs between them, and restoring an old one's content. */
const revisionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/articles/:idOrSlug/revisions',
    {
      config: { etag: 'weak' },
      schema: {
        tags: sections.revisions,
        security,
        operationId: 'listArticleRevisions',
        summary: "List an article's revisions, newest first",
        description: `Every create, edit, publication change, revision restore and trip to or from the trash, without snapshots. ${WHO}`,
        params: IdOrSlugParamsSchema,
        querystring: ListRevisionsQuerySchema,
        response: {
          200: described(RevisionListSchema, 'A page of revisions, newest first'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const list = await app.services.revisions.list(request.principal, request.params.idOrSlug, request.query)
      linkNext(reply, request.url, list.meta)
      return list
    },
  )

  app.get(
    '/articles/:idOrSlug/revisions/:number',
    {
      config: { etag: 'strong' },
      schema: {
        tags: sections.revisions,
        security,
        operationId: 'getArticleRevision',
        summary: 'One revision, with its snapshot',
        description: `The article's editable fields and publication state as this change left them. ${WHO}`,
        params: RevisionParamsSchema,
        response: {
          200: described(RevisionSchema, 'The revision'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const revision = await app.services.revisions.get(
        request.principal,
        request.params.idOrSlug,
        request.params.number,
      )
      // A revision is never changed: version 1 (the ETag's hash still covers every byte sent).
      return sendVersioned(reply, { resource: revision, version: 1 })
    },
  )

  app.get(
    '/articles/:idOrSlug/revisions/:number/diff',
    {
      config: { vary: 'Accept' },
      schema: {
        tags: sections.revisions,
        security,
        operationId: 'diffArticleRevisions',
        summary: 'What changed between two revisions',
        description:
          'From revision `against` (default: the one before) to revision `number`: only the fields that differ, and for ' +
          '`body` a line diff a frontend can render (`lines`: unchanged, added or removed, with line numbers), with ' +
          '`summary` (lines added, removed, unchanged in all) and `truncated`. A long diff lists only its changes with 3 ' +
          'lines of context, and at most DIFF_MAX_LINES lines (default 2000). With ' +
          `\`Accept: ${JSON_PATCH}\` the same change as an RFC 6902 JSON Patch over the snapshots. A token may have ` +
          `DIFF_CONCURRENT_PER_TOKEN diffs (default 2) in progress at once in each server process; more are 429. ${WHO}`,
        params: RevisionParamsSchema,
        querystring: DiffQuerySchema,
        response: {
          200: {
            description: 'The changes',
            content: {
              'application/json': { schema: ref(RevisionDiffSchema) },
              [JSON_PATCH]: { schema: ref(JsonPatchSchema) },
            },
          },
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const patch = (request.headers.accept ?? '').includes(JSON_PATCH)
      const { idOrSlug, number } = request.params
      const diff = await app.services.revisions.diff(
        request.principal,
        idOrSlug,
        number,
        request.query.against,
        patch ? 'json-patch' : 'fields',
      )
      if (patch) reply.type(`${JSON_PATCH}; charset=utf-8`)
      return diff
    },
  )

  app.post(
    '/articles/:idOrSlug/revisions/:number/restore',
    {
      config: { etag: 'strong', ifMatch: 'required', ifMatchOf: '/api/v1/articles/:idOrSlug' },
      schema: {
        tags: sections.revisions,
        security,
        operationId: 'restoreArticleRevision',
        summary: "Copy an old revision's content back (If-Match required)",
        description:
          "Copies the revision's title, excerpt, body and tags onto the article as a new revision (action `restore`). " +
          'Publication state, slug and author are never changed: a live article stays live with the restored text, a ' +
          "draft stays a draft; the `Restored-From` header says so. `If-Match` is the article's current ETag (GET " +
          `/articles/{idOrSlug}): 428 without it, 412 when stale. ${WHO}`,
        params: RevisionParamsSchema,
        response: {
          200: Type.Unsafe<Article>({
            ...ref(ArticleSchema),
            description: 'The article with the restored content',
            headers: {
              'Restored-From': {
                type: 'string',
                maxLength: 200,
                pattern: '^revision [0-9]+; publication state unchanged \\((draft|scheduled|published)\\)$',
                description: 'Which revision was restored, and that the publication state was left as it was.',
              },
            },
          }),
          ...problems(400, 401, 403, 404, 412, 428),
        },
      },
    },
    async (request, reply) => {
      const { idOrSlug, number } = request.params
      // Who may restore comes first: to anonymous callers the article does not exist, with or without If-Match.
      await app.services.revisions.target(request.principal, idOrSlug)
      const expected = await reply.requireIfMatch(() => app.services.articles.get(request.principal, idOrSlug))
      const restored = await app.services.revisions.restoreRevision(request.principal, idOrSlug, number, expected)
      reply.header('restored-from', `revision ${number}; publication state unchanged (${restored.resource.status})`)
      return sendVersioned(reply, restored)
    },
  )
}

export default revisionRoutes
