import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export const ROLES = ['admin', 'editor', 'author', 'viewer'] as const
export type Role = (typeof ROLES)[number]

/**
 * Who is calling: nobody, a token with a role (an `author` token is bound to one author), or a
 * preview token, which reads one article (draft included) and nothing else.
 */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'token'; tokenId: string; name: string; role: Role; authorId: string | null }
  | { kind: 'preview'; previewId: string; articleId: string }

export const ANONYMOUS: Principal = { kind: 'anonymous' }

/** `bs_` + 43 characters of base64url: 256 bits from the CSPRNG. */
export function newTokenSecret(): string {
  return `bs_${randomBytes(32).toString('base64url')}`
}

/** Secrets are high-entropy, so a plain SHA-256 is the right hash (no salt or KDF needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex')
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y)
}

/** Preview tokens have their own prefix, so authentication knows which table to look in. */
export const PREVIEW_PREFIX = 'bsp_'

/** `bsp_` + 43 characters of base64url: 256 bits, like every token. */
export function newPreviewSecret(): string {
  return `${PREVIEW_PREFIX}${randomBytes(32).toString('base64url')}`
}

const SECRET_IN_TEXT = /\bbsp?_[A-Za-z0-9_-]{43}/g
const TOKEN_QUERY_VALUE = /([?&]token=)[^&#\s]*/gi

/**
 * Text bound for a log with every token secret taken out: API and preview secrets wherever
 * they appear (a path, a query, a pasted header), and any `token` query value whatever it
 * holds (frontends pass preview tokens that way).
 */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_IN_TEXT, '[redacted]').replace(TOKEN_QUERY_VALUE, '$1[redacted]')
}
