import { smallBody } from '../http.js'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IdParamsSchema, NoBody, described, problems, ref } from '../../schemas/common.js'
import { Type } from 'typebox'
import {
  CreateTokenSchema,
  CreatedTokenSchema,
  TokenListSchema,
  TokenSchema,
  type CreatedToken,
} from '../../schemas/token.js'
import { sections, security } from '../common.js'

const tokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const adminOnly = app.requireRole('admin')

  app.get(
    '/tokens',
    {
      preParsing: adminOnly,
      schema: {
        tags: sections.tokens,
        security,
        operationId: 'listTokens',
        summary: 'List API tokens (never their secrets)',
        description:
          'Admin only. Every token, active and revoked, oldest first, with its role, author and last use; secrets are stored hashed and never shown again.',
        response: {
          200: described(TokenListSchema, 'Every API token, without its secret'),
          ...problems(401, 403),
        },
      },
    },
    async () => ({ data: await app.services.tokens.list() }),
  )

  app.post(
    '/tokens',
    {
      bodyLimit: smallBody(app),
      // The secret is shown once: a retry with the same Idempotency-Key gets 409, not the secret.
      config: { idempotentReplay: false },
      preParsing: adminOnly,
      schema: {
        tags: sections.tokens,
        security,
        operationId: 'createToken',
        summary: 'Create an API token; the secret is in this response only',
        description:
          'Admin only. The secret is in this response and nowhere else: store it now. An `author` token needs `authorId` and may then act for that author only.',
        body: ref(CreateTokenSchema),
        response: {
          201: Type.Unsafe<CreatedToken>({
            ...ref(CreatedTokenSchema),
            description: 'The new token, with its secret (shown this once)',
            headers: {
              Location: {
                type: 'string',
                pattern: '^/api/v1/tokens/[0-9a-f-]{36}$',
                description: 'Path of the new token: GET reads it (without the secret), DELETE revokes it.',
              },
              'Cache-Control': { type: 'string', const: 'no-store', description: 'The secret must not be cached.' },
            },
          }),
          ...problems(400, 401, 403, 413, 415),
        },
      },
    },
    async (request, reply) => {
      const token = await app.services.tokens.create(request.body)
      reply.code(201).header('location', `/api/v1/tokens/${token.id}`).header('cache-control', 'no-store')
      return token
    },
  )

  app.get(
    '/tokens/:id',
    {
      preParsing: adminOnly,
      schema: {
        tags: sections.tokens,
        security,
        operationId: 'getToken',
        summary: 'One API token (never its secret)',
        description: "Admin only. The token's name, role, author, creation, last use and revocation time.",
        params: IdParamsSchema,
        response: {
          200: described(TokenSchema, 'The token, without its secret'),
          ...problems(400, 401, 403, 404),
        },
      },
    },
    async (request) => app.services.tokens.get(request.params.id),
  )

  app.delete(
    '/tokens/:id',
    {
      preParsing: adminOnly,
      schema: {
        tags: sections.tokens,
        security,
        operationId: 'deleteToken',
        summary: 'Revoke a token (effective on its next request)',
        description:
          'Admin only. A revoked token is a 401 everywhere from its next request on, public routes included.',
        params: IdParamsSchema,
        response: { 204: NoBody('Revoked'), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await app.services.tokens.remove(request.params.id)
      return reply.code(204).send()
    },
  )
}

export default tokenRoutes
