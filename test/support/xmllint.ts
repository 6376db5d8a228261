import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/**
 * Debian's xmllint (libxml2-utils), the independent XML checker of the feed and sitemap tests:
 * well-formedness (namespaces included) and, with a schema, XML Schema validation. Tests that
 * use it declare `{ skip: requires('xmllint') }`.
 */

export const XMLLINT = process.env.XMLLINT_PATH ?? '/usr/bin/xmllint'

/** The sitemap schemas under test/fixtures/sitemaps/ (see the comment at the top of each). */
export const SCHEMAS = {
  /** sitemaps.org's urlset. */
  urlset: fixture('sitemap.xsd'),
  /** sitemaps.org's sitemap index. */
  siteindex: fixture('siteindex.xsd'),
  /** The urlset with Google's News extension imported, so news:* elements are validated strictly. */
  news: fixture('news-urlset.xsd'),
  /** The urlset with Google's image extension imported: article sitemaps naming covers. */
  image: fixture('image-urlset.xsd'),
}

function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/sitemaps/${name}`, import.meta.url))
}

/** xmllint's verdict on `xml`: ok, and what it said (empty when valid and quiet). Never touches the network. */
export function xmllint(xml: string, schema?: string): { ok: boolean; output: string } {
  const args = ['--noout', '--nonet', ...(schema ? ['--schema', schema] : []), '-']
  const run = spawnSync(XMLLINT, args, { input: xml, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (run.error) throw run.error
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}`.trim() }
}
