import { Prisma } from '../generated/prisma/client.js'

/** A single resource as a write or read returns it, with its stored version (for the ETag). */
export interface Versioned<T> {
  resource: T
  version: number
}

/** The column a unique-constraint violation (P2002) is about, e.g. 'slug'; undefined for other errors. */
export function uniqueViolation(error: unknown): string | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return undefined
  const target = JSON.stringify(error.meta ?? {})
  return /email/.test(target) ? 'email' : /slug/.test(target) ? 'slug' : 'other'
}

export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2003'
}
