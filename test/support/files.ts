import { lstat, readdir } from 'node:fs/promises'
import path from 'node:path'

/**
 * What a directory holds, for the tests of the disk store and the media library: they read the
 * store back from the file system instead of trusting its own answers.
 */

/** Every file under `dir` (the store's objects and anything else written there). */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name))
}

/** The stored objects under `dir` (the disk store keeps each object's type in a `.type` file beside it). */
export async function objectsUnder(dir: string): Promise<string[]> {
  return (await filesUnder(dir)).filter((f) => !f.endsWith('.type'))
}

/** Every file and directory under `dir`, with its size: equal listings mean nothing was written. */
export async function tree(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name)
    const info = await lstat(full)
    out.push(`${path.relative(dir, full)}${entry.isDirectory() ? '/' : ` ${info.size}`}`)
  }
  return out.sort()
}
