import type { Principal } from '../auth.js'

/**
 * Who may do what, in one place. Services ask these questions; statements only carry out
 * the answers (the visibility conditions in src/db/queries mirror `canReadDrafts` and
 * `authorScope`).
 */

/** Editors and admins see everything private (emails, moderation queue) and edit all content. */
export function isStaff(p: Principal): boolean {
  return p.kind === 'token' && (p.role === 'admin' || p.role === 'editor')
}

/** Any token may read drafts (an author token: its own); only some may write. */
export function canReadDrafts(p: Principal): boolean {
  return p.kind === 'token'
}

/** The author an author token is bound to: its writes and its drafts are limited to that author. */
export function authorScope(p: Principal): string | undefined {
  return p.kind === 'token' && p.role === 'author' ? p.authorId! : undefined
}

/**
 * Staff, or the author token bound to `authorId`: who may change that author's articles and
 * profile, and see the author's email address.
 */
export function mayActFor(p: Principal, authorId: string): boolean {
  return isStaff(p) || authorScope(p) === authorId
}
