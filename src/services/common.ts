import { Prisma } from '../generated/prisma/client.js'

/** A single resource as a write or read returns it, with its stored version (for the ETag). */
export interface Versioned<T> {
  resource: T
  version: number
}

/**
 * The column a unique-constraint violation is about, e.g. 'slug'; undefined for other errors.
 * From Prisma (P2002) or straight from the driver (SQLSTATE 23505, with the constraint name).
 */
export function uniqueViolation(error: unknown): string | undefined {
  let target: string
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code !== 'P2002') return undefined
    target = JSON.stringify(error.meta ?? {})
  } else {
    const e = error as { code?: unknown; constraint?: unknown } | null
    if (e?.code !== '23505') return undefined
    target = String(e.constraint ?? '')
  }
  return /email/.test(target) ? 'email' : /slug/.test(target) ? 'slug' : 'other'
}

/** A foreign-key violation, from Prisma (P2003) or straight from the driver (SQLSTATE 23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === 'P2003'
  return (error as { code?: unknown } | null)?.code === '23503'
}
