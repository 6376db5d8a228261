import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * A TCP port on 127.0.0.1 nobody listens on when asked (the OS picks it); whoever takes it
 * next should do so right away. Tests, the CDN helper, the Postgres cluster and the benchmark use it.
 */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

/** A clean environment: nothing from the developer's shell leaks into the process under test. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...extra }
}

export interface Exited {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

export interface Running {
  url: string
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exited>
}

function collect(child: ChildProcess) {
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal, stdout, stderr }) as Exited)
  return { out: () => stdout, err: () => stderr, exited }
}

/** Waits for `exited`, killing the child (SIGKILL) if it is still running after `timeoutMs`. */
async function exitWithin(child: ChildProcess, exited: Promise<Exited>, timeoutMs: number): Promise<Exited> {
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  try {
    return await exited
  } finally {
    clearTimeout(timer)
  }
}

/** Runs a command to completion (bounded). */
export async function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<Exited> {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const { exited } = collect(child)
  return exitWithin(child, exited, timeoutMs)
}

/** The server as `npm start` runs it (TypeScript through tsx instead of a build). */
export const SERVER = [process.execPath, ['--import', 'tsx', path.join('src', 'server.ts')]] as const

/**
 * Spawns the server (on a free port unless `env` sets PORT) and returns at once, collecting its
 * output: for a test that watches it start (startServer waits until it listens).
 */
export function spawnServer(env: NodeJS.ProcessEnv) {
  const child = spawn(SERVER[0], [...SERVER[1]], {
    cwd: ROOT,
    env: { PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const { out, err, exited } = collect(child)
  return { child, stdout: out, stderr: err, exited }
}

/**
 * Starts the server on a free port and resolves once it prints where it listens, or rejects
 * with its output if it exits first or takes longer than `timeoutMs`.
 */
export async function startServer(env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Running> {
  const { child, stdout: out, stderr: err, exited } = spawnServer(env)
  const deadline = Date.now() + timeoutMs
  let url: string | undefined
  while (!url) {
    const match = /API:\s+(http:\/\/[^/\s]+)\/api\/v1/.exec(err())
    if (match) url = match[1]
    else if (child.exitCode !== null) {
      const result = await exited
      throw new Error(`server exited with ${result.code} before listening:\n${result.stderr}\n${result.stdout}`)
    } else if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`server did not listen within ${timeoutMs} ms:\n${err()}\n${out()}`)
    } else await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    child,
    stdout: out,
    stderr: err,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal)
      return exitWithin(child, exited, 20_000)
    },
  }
}

/** GET `pathname` from a running server: status, content type, time taken and body text. */
export async function getFrom(
  server: Pick<Running, 'url'>,
  pathname: string,
  timeoutMs = 15_000,
): Promise<{ status: number; type: string; ms: number; text: string }> {
  const started = Date.now()
  const res = await fetch(server.url + pathname, { signal: AbortSignal.timeout(timeoutMs) })
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    ms: Date.now() - started,
    text: await res.text(),
  }
}

/** Polls `what` every 100 ms until it holds; resolves with the time that took, or throws after `timeoutMs`. */
export async function until(what: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now()
  while (Date.now() - started < timeoutMs) {
    if (await what()) return Date.now() - started
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`not within ${timeoutMs} ms`)
}

/** A fresh directory (under `parent`, the system temp dir by default), removed when `t` ends. */
export async function tempDir(t: Test, prefix = 'broadsheet-e2e-', parent = tmpdir()): Promise<string> {
  const dir = await mkdtemp(path.join(parent, prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}
