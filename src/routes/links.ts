/** `Link: <...>; rel="next"` for the same path and query with some parameters replaced. */
export function linkHeader(url: string, replace: Record<string, string>, rel = 'next'): string {
  const parsed = new URL(url, 'http://localhost')
  for (const [key, value] of Object.entries(replace)) parsed.searchParams.set(key, value)
  return `<${parsed.pathname}${parsed.search}>; rel="${rel}"`
}
