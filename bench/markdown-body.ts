/**
 * The rendering row of `npm run bench`: a large, realistic Markdown body, generated
 * deterministically (a seeded generator, the same bytes on every run and machine), and the time
 * `renderArticleBody` (markdown-it, then sanitize-html, then the plain text and word count)
 * takes to render it in this process.
 *
 * The body is what a long feature or a live blog looks like: sections under `##` and `###`
 * headings (some of them repeated, so the slugs need deduplicating), paragraphs with emphasis,
 * strong text, inline code, strikethrough, typographic quotes and dashes, accented words,
 * inline links (absolute with titles, relative, fragments to the body's own headings, mailto),
 * autolinks and bare URLs (linkify), footnote references and their definitions, bullet lists
 * (nested), ordered lists, block quotes, images, tables with aligned columns and fenced code.
 */
import { performance } from 'node:perf_hooks'
import { renderArticleBody } from '../src/render/markdown.js'
import type { RenderResult } from './report.js'

/** mulberry32: a small seeded generator, so the body is the same on every run. */
function generator(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const WORDS = (
  'the council harbour budget election river festival library transit housing climate stadium hospital bridge ' +
  'market school museum tram forest startup theatre residents officials said would review plan costs timing ' +
  'committee tuesday morning evening district mayor minister report survey data percent million year week ' +
  'contract tender workers union strike agreement schedule delay opening closure route station platform ' +
  'ticket fare subsidy grant funding deficit surplus audit inquiry hearing witness evidence court ruling ' +
  'appeal decision vote majority opposition coalition proposal amendment draft policy strategy target ' +
  'emissions energy solar wind heat flood drought storm warning rescue volunteers neighbourhood street ' +
  'café résumé naïve coöperate façade'
).split(' ')
const TOPICS = ['Budget', 'Transport', 'Housing', 'Climate', 'Health', 'Schools', 'Culture', 'Courts']

/** About `bytes` (UTF-8) of Markdown, never less; the same text for the same arguments. */
export function benchMarkdown(bytes = 100 * 1024, seed = 26): string {
  const random = generator(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ')
  const headings: string[] = []
  /** Footnote definitions, written where they are referenced (so their size counts) and placed at the end. */
  const notes: string[] = []

  /** A sentence with, now and then, one of the inline forms an editor uses. */
  const sentence = (): string => {
    const text = words(between(8, 18))
    const capital = text.charAt(0).toUpperCase() + text.slice(1)
    const n = between(1, 14)
    switch (n) {
      case 1:
        return `${capital} *${words(2)}* ${words(3)}.`
      case 2:
        return `${capital}, **${words(3)}**.`
      case 3:
        return `${capital} \`${pick(WORDS)}_${pick(WORDS)}()\` ${words(2)}.`
      case 4:
        return `${capital} [${words(3)}](https://www.example.org/${pick(WORDS)}/${between(1, 9999)} "${words(2)}").`
      case 5:
        return `${capital} [${words(2)}](/articles/${pick(WORDS)}-${between(1, 999)}).`
      case 6:
        return `“${capital},” she said — ${words(4)}’s ${words(2)}.`
      case 7:
        return `${capital} ~~${words(2)}~~ ${words(2)}.`
      case 8:
        return `${capital} (see https://data.example.gov/${pick(WORDS)}?year=${between(2001, 2026)}).`
      case 9:
        notes.push(`[^${notes.length + 1}]: ${words(between(6, 14))}.`)
        return `${capital}.[^${notes.length}]`
      case 10:
        return headings.length > 0
          ? `${capital}, as [above](#${headings[between(0, headings.length - 1)]}).`
          : `${capital}.`
      case 11:
        return `${capital} <https://archive.example.net/${between(1990, 2026)}/${pick(WORDS)}> ${words(2)}.`
      case 12:
        return `Write to [the desk](mailto:desk@example.org) about ${words(4)}.`
      default:
        return `${capital}.`
    }
  }
  const paragraph = () => Array.from({ length: between(3, 6) }, sentence).join(' ')
  const slug = (title: string) =>
    title
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}]+/gu, '-')
      .replace(/^-+|-+$/g, '')

  const blocks: string[] = [paragraph(), paragraph()]
  const size = () => Buffer.byteLength([...blocks, ...notes].join('\n\n')) + 1
  // Whole sections while one more fits, then paragraphs up to the size.
  for (let section = 1; size() < bytes - 5_000; section++) {
    // Every fifth title repeats an earlier one: markdown-it-anchor deduplicates the ids.
    const title =
      section % 5 === 0
        ? `${TOPICS[section % TOPICS.length]} update`
        : `${TOPICS[section % TOPICS.length]}: ${words(4)}`
    headings.push(slug(title))
    const part = [`## ${title}`, paragraph(), paragraph()]
    part.push(
      Array.from({ length: between(3, 6) }, (_, i) =>
        i === 1 ? `- ${words(5)}\n  - ${words(4)}\n  - ${sentence()}` : `- ${sentence()}`,
      ).join('\n'),
    )
    part.push(`### ${words(3)}`, paragraph())
    if (section % 2 === 0)
      part.push(Array.from({ length: between(3, 5) }, (_, i) => `${i + 1}. ${sentence()}`).join('\n'))
    if (section % 3 === 0) part.push(`> ${paragraph()}\n>\n> — ${words(2)}, ${TOPICS[section % TOPICS.length]} desk`)
    if (section % 4 === 0) {
      const rows = Array.from(
        { length: between(5, 9) },
        () => `| ${words(2)} | ${between(1, 99_999)} | ${between(0, 100)}.${between(0, 9)}% | ${words(3)} |`,
      )
      part.push(['| Item | Amount | Change | Note |', '|:---|---:|:---:|---|', ...rows].join('\n'))
    }
    if (section % 3 === 1) {
      const lines = Array.from(
        { length: between(4, 10) },
        (_, i) =>
          `${i === 0 ? '' : '  '}const ${pick(WORDS)}${i} = fetch('/api/v1/${pick(WORDS)}?limit=${i}') // <b>&amp;`,
      )
      part.push(['```ts', `function ${pick(WORDS)}() {`, ...lines, '}', '```'].join('\n'))
    }
    if (section % 6 === 0)
      part.push(`![${words(4)}](https://images.example.org/${pick(WORDS)}-${section}.jpg "${words(3)}")`)
    part.push(paragraph())
    blocks.push(...part)
  }
  while (size() < bytes) blocks.push(paragraph())
  return `${[...blocks, ...notes].join('\n\n')}\n`
}

/** `runs` renders of the body, after `warmup` ones, each timed on its own. */
export function measureRendering(markdown: string, warmup: number, runs: number): RenderResult {
  let rendered = renderArticleBody(markdown)
  for (let i = 1; i < warmup; i++) rendered = renderArticleBody(markdown)
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    rendered = renderArticleBody(markdown)
    samples.push(performance.now() - started)
  }
  return {
    markdownBytes: Buffer.byteLength(markdown),
    htmlBytes: Buffer.byteLength(rendered.html),
    words: rendered.wordCount,
    warmup,
    samples,
  }
}
