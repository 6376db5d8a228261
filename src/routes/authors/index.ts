import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import {
  AuthorListSchema,
  AuthorQuerySchema,
  AuthorSchema,
  CreateAuthorSchema,
  ListAuthorsQuerySchema,
  UpdateAuthorSchema,
  type Author,
} from '../../schemas/author.js'
import { IdOrSlugParamsSchema, NoBody, described, problems, ref } from '../../schemas/common.js'
import { dependsOn, keys, linkNext, sendVersioned, smallBody, answerSparse } from '../http.js'
import { sections, security, staff } from '../common.js'

const authorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/authors',
    {
      config: { surrogateKeys: true, etag: 'weak' },
      schema: {
        tags: sections.authors,
        operationId: 'listAuthors',
        summary: 'List authors',
        description:
          'Everyone may list authors. `email` is included only for editor and admin tokens, and for an author ' +
          'token on its own entry (with `fields` too, named or not). Default order: by name. `fields` answers ' +
          'only the named fields (and `id`).',
        querystring: ListAuthorsQuerySchema,
        response: {
          200: described(AuthorListSchema, 'A page of authors, with paging metadata'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401),
        },
      },
    },
    async (request, reply) => {
      const list = await app.services.authors.list(request.principal, request.query)
      if (request.query.fields !== undefined) answerSparse(reply)
      linkNext(reply, request.url, list.meta)
      dependsOn(
        reply,
        keys.authors,
        ...list.data.flatMap((author) => [
          keys.author(author.id),
          ...(author.avatar ? [keys.media(author.avatar.id)] : []),
        ]),
      )
      return list
    },
  )

  app.get(
    '/authors/:idOrSlug',
    {
      config: { surrogateKeys: true, etag: 'strong' },
      schema: {
        tags: sections.authors,
        operationId: 'getAuthor',
        summary: 'Get an author by id or slug',
        description:
          'A UUID is an id, anything else a slug. `email` is included for editor and admin tokens and for the ' +
          "author's own token only (with `fields` too, named or not). The strong ETag is what PATCH and DELETE " +
          'take as If-Match; with `fields` it is the ETag of the sparse answer, good for If-None-Match only.',
        params: IdOrSlugParamsSchema,
        querystring: AuthorQuerySchema,
        response: {
          200: described(AuthorSchema, 'The author'),
          304: NoBody('Not modified (If-None-Match)'),
          ...problems(400, 401, 404),
        },
      },
    },
    async (request, reply) => {
      const author = await app.services.authors.get(request.principal, request.params.idOrSlug, request.query)
      if (request.query.fields !== undefined) answerSparse(reply)
      const avatar = author.resource.avatar
      dependsOn(reply, keys.author(author.resource.id), ...(avatar ? [keys.media(avatar.id)] : []))
      return sendVersioned(reply, author)
    },
  )

  app.post(
    '/authors',
    {
      bodyLimit: smallBody(app),
      config: { etag: 'strong' },
      preParsing: app.requireRole(...staff),
      schema: {
        tags: sections.authors,
        security,
        operationId: 'createAuthor',
        summary: 'Create an author (editor, admin)',
        description: 'The slug is made from the name when not given. 409 SLUG_TAKEN or EMAIL_TAKEN on a duplicate.',
        body: ref(CreateAuthorSchema),
        response: {
          201: Type.Unsafe<Author>({
            ...ref(AuthorSchema),
            description: 'The new author',
            headers: {
              Location: {
                type: 'string',
                pattern: '^/api/v1/authors/[0-9a-f-]{36}$',
                description: 'Path of the new author.',
              },
            },
          }),
          ...problems(400, 401, 403, 409, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const created = await app.services.authors.create(request.principal, request.body)
      reply.code(201).header('location', `/api/v1/authors/${created.resource.id}`)
      return sendVersioned(reply, created)
    },
  )

  app.patch(
    '/authors/:idOrSlug',
    {
      bodyLimit: smallBody(app),
      config: { etag: 'strong', ifMatch: 'required' },
      preParsing: app.requireRole(...staff, 'author'),
      schema: {
        tags: sections.authors,
        security,
        operationId: 'updateAuthor',
        summary: 'Update an author (If-Match required)',
        description:
          'Editors and admins may update any author; an author token only its own. `If-Match` takes the ETag of ' +
          "GET /authors/{idOrSlug} (the caller's view or the public one) or of the previous write; the whole tag is compared.",
        params: IdOrSlugParamsSchema,
        body: ref(UpdateAuthorSchema),
        response: {
          200: described(AuthorSchema, 'The updated author'),
          ...problems(400, 401, 403, 404, 409, 412, 413, 415, 428),
        },
      },
    },
    async (request, reply) => {
      const expected = await reply.requireIfMatch(() =>
        app.services.authors.representations(request.principal, request.params.idOrSlug),
      )
      return sendVersioned(
        reply,
        await app.services.authors.update(request.principal, request.params.idOrSlug, expected, request.body),
      )
    },
  )

  app.delete(
    '/authors/:idOrSlug',
    {
      config: { ifMatch: 'optional' },
      preParsing: app.requireRole('admin'),
      schema: {
        tags: sections.authors,
        security,
        operationId: 'deleteAuthor',
        summary: 'Delete an author (admin; If-Match honoured)',
        description:
          "409 AUTHOR_HAS_ARTICLES while the author still has articles. The author's tokens are revoked with it.",
        params: IdOrSlugParamsSchema,
        response: { 204: NoBody('Deleted'), ...problems(400, 401, 403, 404, 409, 412) },
      },
    },
    async (request, reply) => {
      const expected = await reply.ifMatch(() =>
        app.services.authors.representations(request.principal, request.params.idOrSlug),
      )
      await app.services.authors.remove(request.principal, request.params.idOrSlug, expected)
      return reply.code(204).send()
    },
  )
}

export default authorRoutes
