/**
 * How much image work the process does at once. Decoding is where an image costs memory: a
 * 24-megapixel photo is 72 MB of pixels once libvips holds it whole (rotating it does), and
 * ten uploads arriving together would otherwise be ten of those at the same moment. So every
 * decode and encode of src/media runs inside `withImageSlot`, a FIFO semaphore with one place
 * by default (`setImageSlots`): the eleventh upload waits its turn instead of growing the
 * heap, and the order is fair (first come, first decoded).
 *
 * sharp's own process-wide settings live here too, set once when this module loads, because
 * they bound the same thing: `sharp.cache(false)`, since every image is read once and libvips'
 * operation cache would only keep pixels of images nobody will ask for again; and
 * `sharp.concurrency(1)`, one libvips thread per image. More threads make AVIF encoding
 * (libaom) faster, but each thread allocates in its own glibc malloc arena, and freed image
 * memory left in many arenas is memory the process keeps: measured on a 24-megapixel JPEG and
 * its four variants, two threads peaked 25–40 MB higher than one. (sharp itself picks 1 on glibc
 * without jemalloc, for this reason.) Deployments can cut the rest of that fragmentation with
 * `MALLOC_ARENA_MAX=2` or jemalloc.
 *
 * Pure apart from CPU: imports only npm packages.
 */
import sharp from 'sharp'

/** libvips threads per image (see above). */
export const SHARP_THREADS = 1

sharp.cache(false)
sharp.concurrency(SHARP_THREADS)

let limit = 1
let active = 0
const waiting: (() => void)[] = []
let entered = 0
let peak = 0

/** What the semaphore is doing now, and since the last `resetImageSlotStats`: for tests and metrics. */
export interface ImageSlotStats {
  /** Places: at most this many image jobs run at once. */
  limit: number
  /** Jobs running now. */
  active: number
  /** Jobs waiting for a place now. */
  waiting: number
  /** Jobs that got a place since the last reset. */
  entered: number
  /** The most jobs that ever ran at once since the last reset. */
  peak: number
}

export function imageSlotStats(): ImageSlotStats {
  return { limit, active, waiting: waiting.length, entered, peak }
}

/** Zeroes `entered` and sets `peak` to what runs now, so a test measures only its own jobs. */
export function resetImageSlotStats(): void {
  entered = 0
  peak = active
}

/**
 * Sets the number of places (the server passes its config's value at start; a whole number
 * ≥ 1). Raising it lets waiting jobs in at once; lowering it lets running jobs finish and
 * admits no new one until fewer than `places` run.
 */
export function setImageSlots(places: number): void {
  if (!Number.isInteger(places) || places < 1)
    throw new RangeError(`image slots must be a whole number ≥ 1, not ${places}`)
  limit = places
  while (active < limit && waiting.length > 0) {
    active++
    waiting.shift()!()
  }
}

/**
 * Runs `fn` when a place is free and frees it when `fn` settles (fulfilled or rejected).
 * A finishing job hands its place straight to the longest waiter, so a job arriving just then
 * cannot overtake the queue.
 */
export async function withImageSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (active < limit) active++
  else await new Promise<void>((resolve) => waiting.push(resolve))
  entered++
  peak = Math.max(peak, active)
  try {
    return await fn()
  } finally {
    release()
  }
}

function release(): void {
  const next = active <= limit ? waiting.shift() : undefined
  if (next) next()
  else active--
}
