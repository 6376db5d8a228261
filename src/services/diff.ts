import { diffArrays } from 'diff'
import { createPatch } from 'rfc6902'

/** One line of a body diff, numbered on each side it appears on. */
export interface DiffLine {
  kind: 'unchanged' | 'added' | 'removed'
  text: string
  fromLine: number | null
  toLine: number | null
}

/** Past this, a line diff of two very different long bodies stops looking for the shortest edit. */
const DIFF_TIMEOUT_MS = 1000

/**
 * Every line of both texts in order, each unchanged, added or removed (Myers' diff, from the
 * `diff` package), computed off the request's critical path in slices so a large body does not
 * hold the event loop. When two long texts differ too much to diff within DIFF_TIMEOUT_MS, the
 * answer is the honest fallback: every old line removed, every new line added.
 */
export function lineDiff(before: string, after: string): Promise<DiffLine[]> {
  const a = before.split('\n')
  const b = after.split('\n')
  return new Promise((resolve) => {
    diffArrays(a, b, {
      timeout: DIFF_TIMEOUT_MS,
      callback: (parts) => {
        const chunks = parts ?? [
          { value: a, added: false, removed: true, count: a.length },
          { value: b, added: true, removed: false, count: b.length },
        ]
        const lines: DiffLine[] = []
        let from = 1
        let to = 1
        for (const part of chunks) {
          for (const text of part.value) {
            if (part.added) lines.push({ kind: 'added', text, fromLine: null, toLine: to++ })
            else if (part.removed) lines.push({ kind: 'removed', text, fromLine: from++, toLine: null })
            else lines.push({ kind: 'unchanged', text, fromLine: from++, toLine: to++ })
          }
        }
        resolve(lines)
      },
    })
  })
}

/** The RFC 6902 JSON Patch that turns `before` into `after` (the `rfc6902` package). */
export function jsonPatch(before: object, after: object) {
  return createPatch(before, after)
}
