import { existsSync } from 'node:fs'
import { clusterUnavailable } from './pg-cluster.js'

/**
 * Tests that need something of the machine say so with a skip whose reason starts with
 * SKIP_MARKER, never with a quiet `if` or an early return: tap then reports it
 * (`ok N - name # SKIP requires …`), and `.ci/run`, where everything is present, fails when
 * any test skipped. Use it as the test's options: `t.test(name, { skip: requires('postgres') }, fn)`.
 */
export const SKIP_MARKER = 'requires '

/** What a test can require, and the one check for each. */
const NEEDS = {
  postgres: () => (process.env.TEST_DATABASE_URL ? undefined : 'Postgres (TEST_DATABASE_URL)'),
  /** A throw-away Postgres server of the test's own (test/support/pg-cluster.ts): the server binaries, and root. */
  'postgres-cluster': () => clusterUnavailable(),
  linux: () => (process.platform === 'linux' ? undefined : 'Linux (reads /proc)'),
  /** Debian's libxml2-utils (`.ci/run` installs it): the sitemap schema checks. */
  xmllint: () => {
    const path = process.env.XMLLINT_PATH ?? '/usr/bin/xmllint'
    return existsSync(path) ? undefined : `xmllint at ${path} (apt-get install libxml2-utils)`
  },
  chromium: () => {
    const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
    return existsSync(path) ? undefined : `Chromium at ${path} (apt-get install chromium)`
  },
} satisfies Record<string, () => string | undefined>

export type Need = keyof typeof NEEDS

/**
 * The skip reason for the first of `needs` this machine lacks (`requires Postgres
 * (TEST_DATABASE_URL)`, with `why` after a colon when given), or false when all are met.
 */
export function requires(needs: Need | Need[], why?: string): string | false {
  for (const need of Array.isArray(needs) ? needs : [needs]) {
    const missing = NEEDS[need]()
    if (missing !== undefined) return skipReason(missing, why)
  }
  return false
}

/** The same rule for a condition a test checks itself (a service that answers, a port): false when `met`. */
export function requiresThat(met: boolean, what: string, why?: string): string | false {
  return met ? false : skipReason(what, why)
}

function skipReason(missing: string, why: string | undefined): string {
  return `${SKIP_MARKER}${missing.replace(/^needs /, '')}${why ? `: ${why}` : ''}`
}
