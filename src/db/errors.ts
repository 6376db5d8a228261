import { Prisma } from '../generated/prisma/client.js'

/** Prisma's codes for "could not reach / lost / timed out talking to the database". */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028'])
/** Driver adapter error kinds that mean the same. */
const UNAVAILABLE_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TlsConnectionError',
  'TransactionAlreadyClosed',
])
/**
 * Node socket errors, and Postgres SQLSTATEs: admin/crash shutdown, cannot connect now, too
 * many connections, statement timeout (class 08, connection exceptions, is matched as a class).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
])
/** What node-postgres says when a connection dies or never comes. */
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Can't reach database|Query read timeout/i

interface ErrorLike {
  code?: unknown
  kind?: unknown
  originalCode?: unknown
  message?: unknown
  cause?: unknown
  meta?: { driverAdapterError?: unknown }
}

/**
 * True when a request failed because the database is down, restarting, overloaded or cut
 * off: a 503 with Retry-After, not a 500. Looks through every layer of wrapping (Prisma's
 * error, the driver adapter's, node-postgres') for a code, kind or message that says so.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return (
    someLayer(error, (e) => {
      if (
        error instanceof Prisma.PrismaClientKnownRequestError &&
        e === error &&
        UNAVAILABLE_PRISMA_CODES.has(error.code)
      )
        return true
      for (const code of [e.code, e.originalCode]) {
        if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true
      }
      if (typeof e.kind === 'string' && UNAVAILABLE_KINDS.has(e.kind)) return true
      return typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)
    }) || error instanceof Prisma.PrismaClientInitializationError
  )
}

/**
 * True when Postgres refused a value (SQLSTATE class 22: out of range, malformed, invalid
 * text). Validation should have caught it first; if it did not, it is still the request's
 * fault, a 400 rather than a 500.
 */
export function isInvalidValue(error: unknown): boolean {
  return someLayer(error, (e) =>
    [e.code, e.originalCode].some((code) => typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)),
  )
}

/** Looks through every layer of wrapping: Prisma's error, the driver adapter's, node-postgres'. */
function someLayer(error: unknown, test: (e: ErrorLike) => boolean): boolean {
  const seen = new Set<unknown>()
  const queue: unknown[] = [error]
  while (queue.length > 0) {
    const e = queue.shift() as ErrorLike | undefined
    if (!e || typeof e !== 'object' || seen.has(e)) continue
    seen.add(e)
    if (test(e)) return true
    queue.push(e.cause, e.meta?.driverAdapterError)
  }
  return false
}

/**
 * The column a unique-constraint violation (SQLSTATE 23505) is about, from the constraint's
 * name: 'email', 'slug' or 'other'; undefined for any other error.
 */
export function uniqueViolation(error: unknown): 'email' | 'slug' | 'other' | undefined {
  const e = error as { code?: unknown; constraint?: unknown } | null
  if (e?.code !== '23505') return undefined
  const target = String(e.constraint ?? '')
  return /email/.test(target) ? 'email' : /slug/.test(target) ? 'slug' : 'other'
}

/** A foreign-key violation (SQLSTATE 23503): a referenced row went away, or still has referrers. */
export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23503'
}
