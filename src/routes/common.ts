import type { Role } from '../auth.js'

/**
 * The section of the OpenAPI document each route is listed under (its `tags`; plugins/swagger.ts
 * describes each section).
 */
export const sections = {
  articles: ['articles'],
  revisions: ['revisions'],
  comments: ['comments'],
  authors: ['authors'],
  tokens: ['tokens'],
  webhooks: ['webhooks'],
  feeds: ['feeds'],
  media: ['media'],
  service: ['service'],
}

/** The `security` of a route that needs a bearer token (the scheme is declared in plugins/swagger.ts). */
export const security = [{ bearerAuth: [] }]

/** Who writes articles (`requireRole(...writers)`): every role but viewer; an author token its own articles. */
export const writers: Role[] = ['admin', 'editor', 'author']

/** Editors and admins: who moderates comments and manages authors. */
export const staff: Role[] = ['admin', 'editor']
