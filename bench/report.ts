/**
 * Turns a benchmark run into the printed table, `bench/RESULTS.md` and its SVG chart.
 * Pure functions of the measurements: no I/O here.
 */

export interface Sample {
  rps: number
  p50: number
  p99: number
  mean: number
  /** Server CPU (user + system) per request, milliseconds. */
  cpuMs: number
  requests: number
}

export interface EndpointResult {
  name: string
  kind: 'read' | 'write'
  broadsheet: Sample[]
  baseline: Sample[]
  /** Per-round req/s ratios, Broadsheet / baseline. */
  ratios: number[]
  fixedRate?: { rate: number; broadsheet: Sample; baseline: Sample }
  /** Bytes of the answer's body (both servers send the same bytes for reads). */
  bytes?: number
  /** The endpoint this one is compared with (a sparse list page: the full list page). */
  compareTo?: string
}

/** Rendering and sanitising one large Markdown body in-process (`renderArticleBody`). */
export interface RenderResult {
  /** The Markdown body's size, in bytes (UTF-8), and what it made. */
  markdownBytes: number
  htmlBytes: number
  words: number
  warmup: number
  /** Milliseconds per run, after the warm-up. */
  samples: number[]
}

/** One large sitemap file on the growth database, requested one at a time from a freshly started server. */
export interface SitemapResult {
  path: string
  articles: number
  /** Set when the route did not answer 200 (not measured). */
  status?: number
  urls?: number
  bytes?: number
  /** Milliseconds per request (the first one on a fresh server first), from sending it to its last byte. */
  times?: number[]
  /** The server's resident set just before the first request, and its peak while the requests ran. */
  rssBefore?: number
  rssPeak?: number
  /** How the peak was taken. */
  memoryMethod?: string
}

/** Image variants (issue 27): made on first request, then read from storage. */
export interface VariantsResult {
  /** The uploads' size (pixels) and how many distinct variants were made, one request at a time. */
  source: string
  /** Milliseconds per first request (render, store, record), one at a time. */
  firstTimes: number[]
  /** A made variant read back under load (autocannon), req/s. */
  cachedRps: number
  cachedBytes: number
}

/** The read cache's rows (issue 28): hot reads against the replay ceiling, and a mixed workload. */
export interface CachedResult {
  hot: { name: string; cached: Sample[]; replay: Sample[] }[]
  mixed: { cached: Sample[]; uncached: Sample[]; hitRate: number }
  /** Peak RSS of the server with the cache on (VmHWM). */
  peakRss: number
}

export interface GrowthResult {
  name: string
  /** Mean latency (ms) at one connection (1000 / req/s), median of rounds, per database size. */
  small: { broadsheet: number; baseline: number }
  large: { broadsheet: number; baseline: number }
}

export interface Run {
  date: string
  quick: boolean
  machine: string
  versions: Record<string, string>
  settings: string
  endpoints: EndpointResult[]
  growth: GrowthResult[]
  growthSizes: { small: number; large: number }
  peakRss: { broadsheet: number; baseline: number }
  /** Since issue 26 (absent from earlier runs' results.json). */
  render?: RenderResult
  sitemap?: SitemapResult
  /** Since issue 27. */
  variants?: VariantsResult
  cached?: CachedResult
  seconds: number
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const f = (value: number, digits = 0) => value.toFixed(digits)
const mb = (bytes: number) => `${f(bytes / 1024 / 1024)} MB`

export interface Verdict {
  target: string
  measured: string
  met: boolean
}

/** The issue's targets, each judged from this run. */
export function verdicts(run: Run): Verdict[] {
  const out: Verdict[] = []
  for (const e of run.endpoints) {
    const need = e.kind === 'read' ? 0.8 : 0.7
    const ratio = median(e.ratios)
    out.push({ target: `${e.name}: req/s ≥ ${need}× baseline`, measured: `${f(ratio, 2)}×`, met: ratio >= need })
    if (e.fixedRate) {
      const p99 = e.fixedRate.broadsheet.p99 / Math.max(e.fixedRate.baseline.p99, 0.001)
      out.push({
        target: `${e.name}: p99 at ${f(e.fixedRate.rate)} req/s ≤ 2× baseline`,
        measured: `${f(e.fixedRate.broadsheet.p99, 1)} vs ${f(e.fixedRate.baseline.p99, 1)} ms (${f(p99, 2)}×)`,
        met: p99 <= 2,
      })
    }
  }
  for (const g of run.growth) {
    const ratio = g.large.broadsheet / g.small.broadsheet
    out.push({
      target: `${g.name}: latency at ${run.growthSizes.large / 1000}k ≤ 1.3× at ${run.growthSizes.small / 1000}k articles`,
      measured: `${f(g.large.broadsheet, 2)} vs ${f(g.small.broadsheet, 2)} ms (${f(ratio, 2)}×)`,
      met: ratio <= 1.3,
    })
  }
  out.push({
    target: 'Broadsheet peak RSS < 250 MB',
    measured: mb(run.peakRss.broadsheet),
    met: run.peakRss.broadsheet < 250 * 1024 * 1024,
  })
  // Issue 26's targets.
  for (const c of comparisons(run)) {
    out.push(
      {
        target: `${c.name}: page ≥ 3× smaller than ${c.full}`,
        measured: `${c.bytes} vs ${c.fullBytes} bytes (${f(c.fullBytes / c.bytes, 2)}× smaller)`,
        met: c.fullBytes >= 3 * c.bytes,
      },
      {
        target: `${c.name}: Broadsheet req/s ≥ 2× ${c.full}`,
        measured: `${f(c.broadsheet.rps)} vs ${f(c.broadsheet.fullRps)} req/s (${f(c.broadsheet.ratio, 2)}×)`,
        met: c.broadsheet.ratio >= 2,
      },
    )
  }
  if (run.render) {
    const r = run.render
    out.push({
      target: `Rendering + sanitising a ${f(r.markdownBytes / 1024)} KiB Markdown body < 20 ms`,
      measured: `median ${f(median(r.samples), 1)} ms, max ${f(Math.max(...r.samples), 1)} ms`,
      met: median(r.samples) < 20,
    })
  }
  if (run.sitemap) {
    const s = run.sitemap
    const name = `GET ${s.path} at ${s.articles / 1000}k articles`
    if (!s.times || s.rssPeak === undefined || s.rssBefore === undefined) {
      out.push({ target: `${name}: < 1 s, < 50 MB extra memory`, measured: `not measured (${s.status})`, met: false })
    } else {
      out.push(
        {
          target: `${name} (${s.urls} URLs): < 1 s per request`,
          measured: `median ${f(median(s.times))} ms, first ${f(s.times[0]!)} ms, max ${f(Math.max(...s.times))} ms`,
          met: median(s.times) < 1000,
        },
        {
          target: `${name}: < 50 MB extra memory`,
          measured: `+${mb(s.rssPeak - s.rssBefore)} (${mb(s.rssBefore)} → ${mb(s.rssPeak)})`,
          met: s.rssPeak - s.rssBefore < 50 * 1024 * 1024,
        },
      )
    }
  }
  if (run.variants) {
    const v = run.variants
    const firstRps = 1000 / median(v.firstTimes)
    out.push({
      target: 'An image variant read from storage ≥ 5× the req/s of its first generation',
      measured: `${f(v.cachedRps)} vs ${f(firstRps, 1)} req/s (${f(v.cachedRps / firstRps)}×)`,
      met: v.cachedRps >= 5 * firstRps,
    })
  }
  if (run.cached) {
    const c = run.cached
    for (const [i, h] of c.hot.entries()) {
      const need = i === 0 ? 0.7 : 0.5
      const ratio = median(h.cached.map((s) => s.rps)) / median(h.replay.map((s) => s.rps))
      out.push({
        target: `${h.name}, cached: req/s ≥ ${need}× the replay ceiling`,
        measured: `${f(ratio, 2)}×`,
        met: ratio >= need,
      })
    }
    const list = run.endpoints.find((e) => e.name.startsWith('GET /articles?limit=20&include=author'))
    if (list && c.hot[0]) {
      const gain = median(c.hot[0].cached.map((s) => s.rps)) / median(list.broadsheet.map((s) => s.rps))
      out.push({ target: 'hot list, cached: ≥ 10× its uncached req/s', measured: `${f(gain, 1)}×`, met: gain >= 10 })
    }
    const mixed = median(c.mixed.cached.map((s) => s.rps)) / median(c.mixed.uncached.map((s) => s.rps))
    out.push({
      target: 'mixed workload (1 write per 100 reads), cached: ≥ 3× uncached',
      measured: `${f(mixed, 2)}× (hit rate ${f(100 * c.mixed.hitRate, 1)}%)`,
      met: mixed >= 3,
    })
    out.push({
      target: 'Broadsheet peak RSS with the read cache at its default size < 200 MB',
      measured: mb(c.peakRss),
      met: c.peakRss < 200 * 1024 * 1024,
    })
  }
  return out
}

/** The read cache's rows: hot reads against the replay ceiling, and the mixed workload. */
export function cachedTable(run: Run): string {
  if (!run.cached) return ''
  const c = run.cached
  const rps = (samples: Sample[]) => median(samples.map((s) => s.rps))
  const p99 = (samples: Sample[]) => median(samples.map((s) => s.p99))
  const rows = [
    '| Read cache | Broadsheet req/s | Compared with | its req/s | Ratio | p99 ms (B / other) |',
    '|---|---:|---|---:|---:|---:|',
  ]
  for (const h of c.hot)
    rows.push(
      `| ${h.name} | ${f(rps(h.cached))} | replay ceiling | ${f(rps(h.replay))} | **${f(rps(h.cached) / rps(h.replay), 2)}×** | ${f(p99(h.cached), 1)} / ${f(p99(h.replay), 1)} |`,
    )
  rows.push(
    `| mixed: 99 reads of the three, 1 PATCH of the hot article (hit rate ${f(100 * c.mixed.hitRate, 1)}%) | ${f(rps(c.mixed.cached))} | cache off | ${f(rps(c.mixed.uncached))} | **${f(rps(c.mixed.cached) / rps(c.mixed.uncached), 2)}×** | ${f(p99(c.mixed.cached), 1)} / ${f(p99(c.mixed.uncached), 1)} |`,
  )
  return rows.join('\n')
}

export function table(run: Run): string {
  const rows = [
    '| Endpoint | Broadsheet req/s | Baseline req/s | Ratio (median, min–max) | p50 ms (B / base) | p99 ms (B / base) | CPU ms/req (B / base) |',
    '|---|---:|---:|---|---:|---:|---:|',
  ]
  for (const e of run.endpoints) {
    const m = (samples: Sample[], key: keyof Sample) => median(samples.map((s) => s[key]))
    rows.push(
      `| ${e.name} | ${f(m(e.broadsheet, 'rps'))} | ${f(m(e.baseline, 'rps'))} | ` +
        `**${f(median(e.ratios), 2)}×** (${f(Math.min(...e.ratios), 2)}–${f(Math.max(...e.ratios), 2)}) | ` +
        `${f(m(e.broadsheet, 'p50'), 1)} / ${f(m(e.baseline, 'p50'), 1)} | ${f(m(e.broadsheet, 'p99'), 1)} / ${f(m(e.baseline, 'p99'), 1)} | ` +
        `${f(m(e.broadsheet, 'cpuMs'), 3)} / ${f(m(e.baseline, 'cpuMs'), 3)} |`,
    )
  }
  return rows.join('\n')
}

/** A sparse endpoint against its full one: bytes per page, and req/s of each server (median of the per-round ratios). */
export interface Comparison {
  name: string
  full: string
  bytes: number
  fullBytes: number
  broadsheet: { rps: number; fullRps: number; ratio: number }
  baseline: { rps: number; fullRps: number; ratio: number }
}

export function comparisons(run: Run): Comparison[] {
  const out: Comparison[] = []
  for (const e of run.endpoints) {
    const full = run.endpoints.find((o) => o.name === e.compareTo)
    if (!full || e.bytes === undefined || full.bytes === undefined) continue
    const side = (server: 'broadsheet' | 'baseline') => {
      const rounds = Math.min(e[server].length, full[server].length)
      const ratios = Array.from({ length: rounds }, (_, i) => e[server][i]!.rps / full[server][i]!.rps)
      return {
        rps: median(e[server].map((s) => s.rps)),
        fullRps: median(full[server].map((s) => s.rps)),
        ratio: median(ratios),
      }
    }
    out.push({
      name: e.name,
      full: full.name,
      bytes: e.bytes,
      fullBytes: full.bytes,
      broadsheet: side('broadsheet'),
      baseline: side('baseline'),
    })
  }
  return out
}

export function comparisonTable(run: Run): string {
  const rows = [
    '| Sparse page | Full page | Bytes (sparse / full) | Smaller | Broadsheet req/s (sparse / full) | × | Baseline req/s (sparse / full) | × |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const c of comparisons(run)) {
    rows.push(
      `| ${c.name} | ${c.full} | ${c.bytes} / ${c.fullBytes} | **${f(c.fullBytes / c.bytes, 2)}×** | ` +
        `${f(c.broadsheet.rps)} / ${f(c.broadsheet.fullRps)} | **${f(c.broadsheet.ratio, 2)}×** | ` +
        `${f(c.baseline.rps)} / ${f(c.baseline.fullRps)} | ${f(c.baseline.ratio, 2)}× |`,
    )
  }
  return rows.join('\n')
}

/** The rendering row and the sitemap row (Broadsheet only: neither has a baseline). */
export function extrasTable(run: Run): string {
  const rows = ['| Measurement | Size | Time | Memory |', '|---|---|---:|---:|']
  if (run.render) {
    const r = run.render
    rows.push(
      `| \`renderArticleBody\` (markdown-it + sanitize-html), in-process, ${r.samples.length} runs after ${r.warmup} warm-up | ` +
        `${f(r.markdownBytes / 1024, 1)} KiB Markdown → ${f(r.htmlBytes / 1024, 1)} KiB HTML, ${r.words} words | ` +
        `median **${f(median(r.samples), 1)} ms**, max ${f(Math.max(...r.samples), 1)} ms | – |`,
    )
  }
  if (run.sitemap) {
    const s = run.sitemap
    const name = `GET ${s.path} (${s.articles / 1000}k-article database)`
    if (!s.times || s.rssPeak === undefined || s.rssBefore === undefined)
      rows.push(`| ${name} | not measured: answered ${s.status} | – | – |`)
    else
      rows.push(
        `| ${name}, ${s.times.length} requests one at a time, fresh server | ${s.urls} URLs, ${f(s.bytes! / 1e6, 2)} MB | ` +
          `median **${f(median(s.times))} ms** (first ${f(s.times[0]!)} ms, max ${f(Math.max(...s.times))} ms) | ` +
          `**+${mb(s.rssPeak - s.rssBefore)}** (RSS ${mb(s.rssBefore)} → peak ${mb(s.rssPeak)}) |`,
      )
  }
  if (run.variants) {
    const v = run.variants
    rows.push(
      `| GET /media/{id}/card.webp, first request (render, store, record), ${v.firstTimes.length} images one at a time | ` +
        `${v.source} | median **${f(median(v.firstTimes))} ms** (${f(1000 / median(v.firstTimes), 1)} req/s) | – |`,
      `| GET /media/{id}/card.webp, made before (read from the disk store), under load | ${f(v.cachedBytes / 1024, 1)} KiB | ` +
        `**${f(v.cachedRps)} req/s** | – |`,
    )
  }
  return rows.length > 2 ? rows.join('\n') : ''
}

export function fixedRateTable(run: Run): string {
  const rows = [
    '| Endpoint | Rate (60% of baseline max) | p50 ms (B / base) | p99 ms (B / base) | p99 ratio |',
    '|---|---:|---:|---:|---:|',
  ]
  for (const e of run.endpoints) {
    if (!e.fixedRate) continue
    const { rate, broadsheet: b, baseline: base } = e.fixedRate
    rows.push(
      `| ${e.name} | ${f(rate)} req/s | ${f(b.p50, 1)} / ${f(base.p50, 1)} | ${f(b.p99, 1)} / ${f(base.p99, 1)} | ` +
        `**${f(b.p99 / Math.max(base.p99, 0.001), 2)}×** |`,
    )
  }
  return rows.join('\n')
}

export function growthTable(run: Run): string {
  const { small, large } = run.growthSizes
  const rows = [
    `| Endpoint | Broadsheet ms at ${small / 1000}k | at ${large / 1000}k | Growth | Baseline ms at ${small / 1000}k | at ${large / 1000}k | Growth |`,
    '|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const g of run.growth) {
    rows.push(
      `| ${g.name} | ${f(g.small.broadsheet, 2)} | ${f(g.large.broadsheet, 2)} | **${f(g.large.broadsheet / g.small.broadsheet, 2)}×** | ` +
        `${f(g.small.baseline, 2)} | ${f(g.large.baseline, 2)} | ${f(g.large.baseline / g.small.baseline, 2)}× |`,
    )
  }
  return rows.join('\n')
}

export function verdictTable(run: Run): string {
  return [
    '| Target | Measured | Met |',
    '|---|---|---|',
    ...verdicts(run).map((v) => `| ${v.target} | ${v.measured} | ${v.met ? 'yes' : '**no**'} |`),
  ].join('\n')
}

/** Two panels: req/s ratio per endpoint (with min–max whiskers and the target lines), and growth. */
export function chart(run: Run): string {
  const W = 760
  const rowH = 26
  const left = 300
  const plotW = W - left - 40
  const maxRatio = Math.max(1.2, ...run.endpoints.flatMap((e) => e.ratios)) * 1.05
  const x = (ratio: number) => left + (ratio / maxRatio) * plotW
  const top1 = 48
  const h1 = run.endpoints.length * rowH
  const top2 = top1 + h1 + 90
  const h2 = run.growth.length * rowH * 2
  const H = top2 + h2 + 60
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Broadsheet req/s as a ratio of the Fastify + pg baseline (median of rounds, min–max)</text>`,
  ]
  // Target lines, labelled on alternate sides so neighbours never overlap.
  for (const [ratio, label, anchor] of [
    [0.7, 'writes ≥ 0.7', 'end'],
    [0.8, 'reads ≥ 0.8', 'start'],
    [1, '1.0', 'middle'],
  ] as const) {
    parts.push(
      `<line x1="${x(ratio)}" y1="${top1 - 5}" x2="${x(ratio)}" y2="${top1 + h1}" stroke="${ratio === 1 ? '#444' : '#c33'}" stroke-dasharray="4 3"/>`,
      `<text x="${x(ratio) + (anchor === 'end' ? -3 : anchor === 'start' ? 3 : 0)}" y="${ratio === 1 ? top1 - 9 : top1 + h1 + 14}" text-anchor="${anchor}" fill="#555">${label}</text>`,
    )
  }
  run.endpoints.forEach((e, i) => {
    const y = top1 + i * rowH
    const ratio = median(e.ratios)
    const need = e.kind === 'read' ? 0.8 : 0.7
    parts.push(
      `<text x="${left - 8}" y="${y + 15}" text-anchor="end">${esc(e.name)}</text>`,
      `<rect x="${left}" y="${y + 4}" width="${x(ratio) - left}" height="${rowH - 10}" fill="${ratio >= need ? '#3a7' : '#d84'}"/>`,
      `<line x1="${x(Math.min(...e.ratios))}" y1="${y + 10}" x2="${x(Math.max(...e.ratios))}" y2="${y + 10}" stroke="black"/>`,
      `<text x="${x(ratio) + 4}" y="${y + 24}" font-size="10">${f(ratio, 2)}×</text>`,
    )
  })
  const maxMs =
    Math.max(
      ...run.growth.flatMap((g) => [g.small.broadsheet, g.large.broadsheet, g.small.baseline, g.large.baseline]),
    ) * 1.1
  const gx = (ms: number) => left + (ms / maxMs) * (plotW - 150) // room for the labels
  parts.push(
    `<text x="10" y="${top2 - 20}" font-size="14" font-weight="bold">Growth: mean latency at one connection, ${run.growthSizes.small / 1000}k vs ${run.growthSizes.large / 1000}k articles (ms)</text>`,
  )
  run.growth.forEach((g, i) => {
    const y = top2 + i * rowH * 2
    const bars: [string, number, string][] = [
      [`${g.name}, ${run.growthSizes.small / 1000}k`, g.small.broadsheet, '#7ab'],
      [`${g.name}, ${run.growthSizes.large / 1000}k`, g.large.broadsheet, '#258'],
    ]
    bars.forEach(([label, ms, color], j) => {
      const base = j === 0 ? g.small.baseline : g.large.baseline
      const yy = y + j * rowH
      parts.push(
        `<text x="${left - 8}" y="${yy + 15}" text-anchor="end">${esc(label)}</text>`,
        `<rect x="${left}" y="${yy + 4}" width="${gx(ms) - left}" height="${rowH - 10}" fill="${color}"/>`,
        `<line x1="${gx(base)}" y1="${yy + 2}" x2="${gx(base)}" y2="${yy + rowH - 4}" stroke="#c33" stroke-width="2"/>`,
        `<text x="${gx(Math.max(ms, base)) + 4}" y="${yy + 15}" font-size="10">${f(ms, 2)} ms (baseline ${f(base, 2)})</text>`,
      )
    })
  })
  parts.push(
    `<text x="10" y="${H - 30}" fill="#555">Bars: Broadsheet; red ticks: the baseline. ${esc(run.date)}${run.quick ? ', quick run' : ''}.</text>`,
    `<text x="10" y="${H - 14}" fill="#555" font-size="10">${esc(run.machine)}</text>`,
    '</svg>',
  )
  return parts.join('\n')
}

export function markdown(run: Run): string {
  const versions = Object.entries(run.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')
  return `# Benchmark results

Generated by \`npm run bench\`${run.quick ? ' -- --quick' : ''} on ${run.date}; do not edit by hand (the next run rewrites this file,
\`bench/results.svg\` and \`bench/results.json\`, which holds every sample). How the benchmark works, and what the
baseline is: \`bench/README.md\`.

- Machine: ${run.machine}
- Versions: ${versions}
- Settings: ${run.settings}
- Run time: ${f(run.seconds)} s

![Ratios and growth](results.svg)

## Throughput against the baseline

Both servers on the same Postgres database (1k authors, 10k articles, 100k comments), driven in
interleaved rounds; the ratio is Broadsheet's req/s over the baseline's in the same round.

${table(run)}
${
  comparisons(run).length > 0
    ? `
## Sparse fieldsets

A list page of \`fields=slug,title,excerpt,publishedAt\` against the full list page (v1's fields, with
the author embedded): bytes of one page, and req/s from the throughput rounds above (× is the
median of the per-round ratios, sparse over full, of the same server).

${comparisonTable(run)}
`
    : ''
}
## Latency at a fixed rate

${fixedRateTable(run)}

## Growth

${growthTable(run)}

${
  run.render || run.sitemap
    ? `## Rendering and sitemaps

Broadsheet only. The rendering row is \`renderArticleBody\` called in the benchmark's own process
on a generated Markdown body (\`bench/markdown-body.ts\`). The sitemap row is requested from a
freshly started server on the ${run.growthSizes.large / 1000}k-article database; ${run.sitemap?.memoryMethod ?? ''}

${extrasTable(run)}

`
    : ''
}${
    run.cached
      ? `## The read cache

Broadsheet with its read cache on (\`READ_CACHE_MB\` at its default) against the replay ceiling (a bare
Fastify answering the same bytes and headers from memory), in interleaved rounds; and a mixed
workload with the cache on and off. The rows above run with \`READ_CACHE_MB=0\`.

${cachedTable(run)}

`
      : ''
  }## Peak memory

Broadsheet ${mb(run.peakRss.broadsheet)}, baseline ${mb(run.peakRss.baseline)} (peak resident set, VmHWM, over the whole run)${
    run.cached ? `; with the read cache on, ${mb(run.cached.peakRss)}` : ''
  }.

## Targets (issues 7 and 26)

${verdictTable(run)}
`
}
