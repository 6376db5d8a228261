import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { mkdir, open, readFile, rename, rm, rmdir, unlink, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import {
  assertPut,
  assertStorageKey,
  isContentType,
  StorageError,
  StorageKeyError,
  type ObjectStore,
  type StoredObject,
} from './store.js'

/**
 * The local-disk driver: each object is a plain file at `<root>/<key>` (an operator can back
 * the directory up, or copy it to a bucket, with ordinary tools), its media type in a small
 * sidecar `<root>/<key>.type`, and its size from `fstat`.
 *
 * Writes are atomic by rename: the bytes go to a temporary file in the same directory, are
 * fsync'd, and are renamed over the key, so a reader opens the old file or the new one, never
 * one being written, and a crash leaves at most a stray `*.tmp` file, never a torn object. The
 * sidecar is renamed first, so whoever finds the data file also finds its type. What this does
 * not give is an atomic pair when two writers put *different types* under one key at once (the
 * data of one and the type of the other may meet); Broadsheet never does that: an original is
 * written once under a fresh key, and a variant's name fixes its format.
 *
 * Originals are private: directories are made 0700 and files 0600, so other local users cannot
 * read them whatever the process umask allows. Paths are built from keys `assertStorageKey`
 * accepted and checked once more to lie inside the root (defence in depth: path traversal,
 * CVE-2023-32235); files are opened with O_NOFOLLOW and created with O_EXCL, so a symlink
 * planted under the root is not followed.
 */

const SIDECAR = '.type'
const DIR_MODE = 0o700
const FILE_MODE = 0o600
/** O_NOFOLLOW where the platform has it (not on Windows, where it is undefined). */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0)
/** A put may find its directory just removed by a delete of the last object in it: it makes it again, this often. */
const CREATE_ATTEMPTS = 3

export function openDiskStore(root: string, options: { temporary?: boolean } = {}): ObjectStore {
  const base = path.resolve(root)
  const locate = (key: string) => {
    assertStorageKey(key)
    return resolveInside(base, key)
  }
  return {
    driver: 'disk',
    async put(key, body, contentType) {
      assertPut(key, body, contentType)
      const file = resolveInside(base, key)
      await failsAs('put', () => putFile(file, body, contentType))
    },
    async get(key) {
      const file = locate(key)
      return failsAs('get', async () => {
        const opened = await openObject(file)
        if (!opened) return null
        try {
          return await opened.handle.readFile()
        } finally {
          await opened.handle.close()
        }
      })
    },
    async stream(key) {
      const file = locate(key)
      return failsAs('stream', async () => {
        const opened = await openObject(file)
        if (!opened) return null
        // The stream closes the handle when it ends, fails or is destroyed.
        const body = opened.handle.createReadStream({ highWaterMark: 64 * 1024 })
        return { body, bytes: opened.bytes, contentType: opened.contentType }
      })
    },
    async head(key) {
      const file = locate(key)
      return failsAs('head', async () => {
        const opened = await openObject(file)
        if (!opened) return null
        await opened.handle.close()
        return { bytes: opened.bytes, contentType: opened.contentType }
      })
    },
    async delete(key) {
      const file = locate(key)
      await failsAs('delete', async () => {
        // The data first: once it is gone, readers answer null whatever the sidecar says.
        await unlinkIfPresent(file)
        await unlinkIfPresent(file + SIDECAR)
        // A named key (`variants/<random>/thumb.webp`) has a directory of its own; the last
        // object out removes it, so deleted images leave no empty directories behind.
        if (key.split('/').length === 3) await removeIfEmpty(path.dirname(file))
      })
    },
    /** A temporary store (the in-memory database's) goes with its directory. */
    async close() {
      if (options.temporary) await rm(root, { recursive: true, force: true })
    },
  }
}

/**
 * The file for `key` under `root` (both already absolute and checked), or a StorageKeyError
 * when it would not lie strictly inside `root`. `assertStorageKey` already makes that
 * impossible; this holds even if that check were ever loosened.
 */
export function resolveInside(root: string, key: string): string {
  const file = path.resolve(root, key)
  const relative = path.relative(root, file)
  if (relative === '' || path.isAbsolute(relative) || relative.split(path.sep)[0] === '..') {
    throw new StorageKeyError('storage key resolves outside the store root')
  }
  return file
}

async function failsAs<T>(operation: StorageError['operation'], work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (cause) {
    throw new StorageError('disk', operation, { cause })
  }
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '')
}

/** ENOTDIR too: a key whose parent is a file (a named key under an original's key) is simply not there. */
const isMissing = (error: unknown) => hasCode(error, 'ENOENT', 'ENOTDIR')

async function putFile(file: string, body: Buffer, contentType: string): Promise<void> {
  const temps: string[] = []
  try {
    const typeTemp = await writeTemp(file + SIDECAR, Buffer.from(contentType, 'ascii'))
    temps.push(typeTemp)
    const dataTemp = await writeTemp(file, body)
    temps.push(dataTemp)
    await rename(typeTemp, file + SIDECAR)
    await rename(dataTemp, file)
  } catch (error) {
    // After a rename the temporary name is gone and `force` makes its removal a no-op.
    await Promise.all(temps.map((temp) => rm(temp, { force: true })))
    throw error
  }
  await syncDirectory(path.dirname(file))
}

/** Writes `bytes` to a new temporary file beside `target` (0600, fsync'd) and returns its name; leaves nothing behind on failure. */
async function writeTemp(target: string, bytes: Buffer): Promise<string> {
  // Two dots: no key can ever name a temporary file.
  const temp = `${target}.${randomBytes(8).toString('hex')}.tmp`
  const handle = await createExclusive(temp)
  try {
    try {
      await handle.writeFile(bytes)
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch (error) {
    await rm(temp, { force: true })
    throw error
  }
  return temp
}

async function createExclusive(file: string): Promise<FileHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await open(file, 'wx', FILE_MODE)
    } catch (error) {
      if (!hasCode(error, 'ENOENT') || attempt === CREATE_ATTEMPTS) throw error
      await mkdir(path.dirname(file), { recursive: true, mode: DIR_MODE })
    }
  }
}

/**
 * Makes the renames durable (they are entries of the directory). Best effort: the object is
 * already in place and readable, and some platforms cannot fsync a directory at all.
 */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, constants.O_RDONLY)
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // Durability of the rename only; nothing to undo.
  }
}

interface Opened extends StoredObject {
  handle: FileHandle
}

/**
 * Opens the data file (its descriptor then pins the bytes: a concurrent put renames a new file
 * over the name but this one reads on, whole) and reads its type. Null when either is missing:
 * a put renames the sidecar before the data, so data without a sidecar means a delete is under
 * way. Anything but a regular file at the key counts as missing.
 */
async function openObject(file: string): Promise<Opened | null> {
  let handle: FileHandle
  try {
    handle = await open(file, READ_FLAGS)
  } catch (error) {
    if (isMissing(error)) return null
    throw error
  }
  try {
    const info = await handle.stat()
    const contentType = info.isFile() ? await readType(file) : null
    if (contentType === null) {
      await handle.close()
      return null
    }
    return { handle, bytes: info.size, contentType }
  } catch (error) {
    await handle.close()
    throw error
  }
}

async function readType(file: string): Promise<string | null> {
  let text: string
  try {
    text = await readFile(file + SIDECAR, { encoding: 'ascii', flag: READ_FLAGS })
  } catch (error) {
    if (isMissing(error)) return null
    throw error
  }
  // The sidecar was written from a checked type; anything else in it is damage, not a type to send.
  return isContentType(text) ? text : 'application/octet-stream'
}

async function unlinkIfPresent(file: string): Promise<void> {
  try {
    await unlink(file)
  } catch (error) {
    if (!isMissing(error)) throw error
  }
}

async function removeIfEmpty(dir: string): Promise<void> {
  try {
    await rmdir(dir)
  } catch (error) {
    if (!hasCode(error, 'ENOTEMPTY', 'EEXIST', 'ENOENT', 'ENOTDIR')) throw error
  }
}
