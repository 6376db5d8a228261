import { diffArrays, type ChangeObject } from 'diff'
import { createPatch } from 'rfc6902'

/** One line of a body diff, numbered on each side it appears on. */
export interface DiffLine {
  kind: 'unchanged' | 'added' | 'removed'
  text: string
  fromLine: number | null
  toLine: number | null
}

/** How many lines of the whole line diff are of each kind. */
export interface DiffSummary {
  added: number
  removed: number
  unchanged: number
}

/** A body's line diff as answered: at most `maxLines` lines, and the totals of all of them. */
export interface LineDiff {
  lines: DiffLine[]
  summary: DiffSummary
  /** True when `lines` stops before the end because it reached `maxLines`. */
  truncated: boolean
}

/** Unchanged lines kept on each side of a change when a long diff leaves unchanged stretches out. */
export const CONTEXT_LINES = 3

/**
 * The first search runs at once, for at most this long: most edits, even of a long body, are
 * found in well under a millisecond (the sliced search waits a timer per edit). Past it, the
 * search starts again in slices.
 */
const AT_ONCE_MS = 5
/** Past this, a line diff of two very different long bodies stops looking for the shortest edit. */
const DIFF_TIMEOUT_MS = 1000
/**
 * The most edits (lines removed or added) a search looks for. The sliced search handles one
 * edit length per timer, about one a millisecond, so within DIFF_TIMEOUT_MS it cannot go much
 * further anyway; a slice's work grows with the edit length, and this bounds it.
 */
const MAX_EDIT_LENGTH = 1000

/** A stretch of lines of one kind: `count` lines of `source` from `start`. */
interface Run {
  kind: DiffLine['kind']
  source: readonly string[]
  start: number
  count: number
}

const runsOf = (parts: ChangeObject<string[]>[]): Run[] =>
  parts.map((part) => ({
    kind: part.added ? 'added' : part.removed ? 'removed' : 'unchanged',
    source: part.value,
    start: 0,
    count: part.value.length,
  }))

/**
 * The honest answer when the search gave up: the common first and last lines unchanged, every
 * old line between them removed, every new one added.
 */
function replaced(a: string[], b: string[]): Run[] {
  let head = 0
  while (head < a.length && head < b.length && a[head] === b[head]) head++
  let tail = 0
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++
  const runs: Run[] = [
    { kind: 'unchanged', source: a, start: 0, count: head },
    { kind: 'removed', source: a, start: head, count: a.length - head - tail },
    { kind: 'added', source: b, start: head, count: b.length - head - tail },
    { kind: 'unchanged', source: a, start: a.length - tail, count: tail },
  ]
  return runs.filter((run) => run.count > 0)
}

/** Lets the event loop run what is waiting (I/O included) before going on. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve))
/** Waits `ms` milliseconds (a turn of the loop at least). */
const pause = (ms: number) => new Promise<void>((resolve) => (ms < 1 ? setImmediate(resolve) : setTimeout(resolve, ms)))
/** The longest pause after a step (a step that waited on the database did not hold the loop all that time). */
const MAX_PAUSE_MS = 50

/** Runs one step of diff work when its turn comes (see `stepQueue`). */
export type Step = <T>(work: () => T | Promise<T>) => Promise<T>

/**
 * A queue for the steps of diff work that take milliseconds on a long body (reading a
 * snapshot, splitting a body into lines, the first search, building and sending the answer):
 * one step at a time, then a pause as long as the step took, so diff steps get at most about
 * half of the event loop's time however many diffs run at once. Other requests then wait for
 * at most one step, and are served in the pause after it (several diffs resuming in the same
 * phase of the loop would otherwise run their steps back to back).
 */
export function stepQueue(): Step {
  let last: Promise<unknown> = Promise.resolve()
  return (work) => {
    let started = 0
    const run = last.then(() => {
      started = performance.now()
      return work()
    })
    // After the turn, so that what the caller does at once with the result counts too.
    const rest = () => turn().then(() => pause(Math.min(performance.now() - started, MAX_PAUSE_MS)))
    last = run.then(rest, rest)
    return run
  }
}

/** Lines counted per step by `fewestEdits` (a few milliseconds' work). */
const COUNT_PER_STEP = 20_000

/**
 * The fewest edits any line diff of `a` and `b` needs: every line that is not in both (counted
 * with repeats) is removed or added. One pass over each side, in steps; when it is over
 * MAX_EDIT_LENGTH, no search can succeed and none is started (two unrelated texts).
 */
async function fewestEdits(a: readonly string[], b: readonly string[], step: Step): Promise<number> {
  const left = new Map<string, number>()
  let shared = 0
  for (let i = 0; i < a.length; i += COUNT_PER_STEP) {
    await step(() => {
      for (let j = i; j < Math.min(i + COUNT_PER_STEP, a.length); j++) left.set(a[j]!, (left.get(a[j]!) ?? 0) + 1)
    })
  }
  for (let i = 0; i < b.length; i += COUNT_PER_STEP) {
    await step(() => {
      for (let j = i; j < Math.min(i + COUNT_PER_STEP, b.length); j++) {
        const count = left.get(b[j]!)
        if (count) {
          shared++
          left.set(b[j]!, count - 1)
        }
      }
    })
  }
  return a.length + b.length - 2 * shared
}

/**
 * The line diff of two texts (Myers' diff, from the `diff` package) as bounded work, each step
 * through `step`. The search runs at once for at most AT_ONCE_MS; then, unless the texts share
 * too few lines for any diff within MAX_EDIT_LENGTH edits, in slices on timers (yielding to the
 * event loop) for at most DIFF_TIMEOUT_MS. When no search succeeds, the answer is the honest
 * fallback: the common first and last lines unchanged, every line between them removed, then
 * every new one added. The answer is built capped, never as one entry per line of a long diff:
 * every line when the whole diff has at most `maxLines`; past that, only the changes with
 * CONTEXT_LINES unchanged lines around each (line numbers jump over what is left out), cut at
 * `maxLines` lines (`truncated`). `summary` counts the whole diff.
 */
export async function lineDiff(
  before: string,
  after: string,
  options: { maxLines: number; step: Step },
): Promise<LineDiff> {
  const { maxLines, step } = options
  const a = await step(() => before.split('\n'))
  const b = await step(() => after.split('\n'))
  let found = await step(() => diffArrays(a, b, { timeout: AT_ONCE_MS, maxEditLength: MAX_EDIT_LENGTH }))
  if (!found && (await fewestEdits(a, b, step)) <= MAX_EDIT_LENGTH) {
    found = await new Promise<ChangeObject<string[]>[] | undefined>((resolve) => {
      diffArrays(a, b, { timeout: DIFF_TIMEOUT_MS, maxEditLength: MAX_EDIT_LENGTH, callback: resolve })
    })
  }
  return step(() => render(found ? runsOf(found) : replaced(a, b), maxLines))
}

function render(runs: Run[], maxLines: number): LineDiff {
  const summary: DiffSummary = { added: 0, removed: 0, unchanged: 0 }
  for (const run of runs) summary[run.kind] += run.count
  const everything = summary.added + summary.removed + summary.unchanged <= maxLines
  const lines: DiffLine[] = []
  let truncated = false
  let from = 1
  let to = 1
  for (let r = 0; r < runs.length && !truncated; r++) {
    const run = runs[r]!
    // Which of the run's lines are listed: [start, end) pairs.
    let shown: [number, number][] = [[0, run.count]]
    if (!everything && run.kind === 'unchanged') {
      // Context after the change before the run, and before the change after it.
      const trailing = r > 0 ? Math.min(CONTEXT_LINES, run.count) : 0
      const leading = r < runs.length - 1 ? Math.min(CONTEXT_LINES, run.count) : 0
      if (trailing + leading < run.count)
        shown = [
          [0, trailing],
          [run.count - leading, run.count],
        ]
    }
    for (const [start, end] of shown) {
      for (let i = start; i < end; i++) {
        if (lines.length === maxLines) {
          truncated = true
          break
        }
        const text = run.source[run.start + i]!
        if (run.kind === 'added') lines.push({ kind: 'added', text, fromLine: null, toLine: to + i })
        else if (run.kind === 'removed') lines.push({ kind: 'removed', text, fromLine: from + i, toLine: null })
        else lines.push({ kind: 'unchanged', text, fromLine: from + i, toLine: to + i })
      }
      if (truncated) break
    }
    if (run.kind !== 'added') from += run.count
    if (run.kind !== 'removed') to += run.count
  }
  return { lines, summary, truncated }
}

/** The RFC 6902 JSON Patch that turns `before` into `after` (the `rfc6902` package). */
export function jsonPatch(before: object, after: object) {
  return createPatch(before, after)
}
