import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export const ROLES = ['admin', 'editor', 'author', 'viewer'] as const
export type Role = (typeof ROLES)[number]

/** Who is calling: nobody, or a token with a role (an `author` token is bound to one author). */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'token'; tokenId: string; role: Role; authorId: string | null }

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

export const TOKEN_PATTERN = /^bs_[A-Za-z0-9_-]{43}$/
