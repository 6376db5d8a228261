import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

// SKELETON: comments routes, registered under /api/v1 in src/app.ts.
const routes: FastifyPluginAsyncTypebox = async () => {}

export default routes
