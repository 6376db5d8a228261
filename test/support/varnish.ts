import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'
import { ROOT, freePort, run } from './process.js'

/** The committed configuration: the helper runs exactly this, with the backend pointed elsewhere. */
export const VCL_PATH = path.join(ROOT, 'deploy', 'varnish', 'default.vcl')

/**
 * What varnishd is given besides the listen address, the VCL and the working directory.
 * `-j none`: no privilege separation. As root, varnishd would otherwise run its VCL compiler and
 * cache process as its own users (varnish/vcache), which cannot read a private temp dir; as
 * anyone else there is nothing to drop anyway.
 * The limits let long surrogate keys through: Surrogate-Key and Cache-Tag can each be ~10 KB
 * (the defaults are 8 KB for one header line, 32 KB for all response headers), the VCL copies
 * the keys once more into `xkey`, and all that must fit in the backend workspace; the request
 * side lets a PURGE carry more than 8 KB of keys. The same values are in the VCL's header.
 */
export const VARNISHD_ARGS = [
  '-j',
  'none',
  '-s',
  'malloc,64m',
  '-p',
  'http_resp_hdr_len=65536',
  '-p',
  'http_resp_size=98304',
  '-p',
  'workspace_backend=256k',
  '-p',
  'http_req_hdr_len=65536',
  '-p',
  'http_req_size=98304',
  '-p',
  'workspace_client=256k',
  // Little to do in tests: fewer threads than the production default of 100 per pool.
  '-p',
  'thread_pools=1',
  '-p',
  'thread_pool_min=10',
] as const

/**
 * varnishd is on PATH and the xkey vmod can be imported: a VCL importing it translates
 * (`varnishd -C`, which loads the vmod's metadata without starting anything; about 0.5 s).
 */
export const HAS_VARNISH: boolean = (() => {
  let dir: string | undefined
  try {
    dir = mkdtempSync(path.join(tmpdir(), 'broadsheet-vcc-'))
    const vcl = path.join(dir, 'probe.vcl')
    writeFileSync(vcl, 'vcl 4.1;\nimport xkey;\nimport std;\nbackend default none;\n')
    const result = spawnSync('varnishd', ['-j', 'none', '-C', '-f', vcl], { stdio: 'ignore', timeout: 30_000 })
    return result.error === undefined && result.status === 0
  } catch {
    return false
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
})()

export interface Varnish {
  /** http://127.0.0.1:<port>, without a trailing slash. */
  url: string
  port: number
  /** Stops varnishd (SIGTERM, SIGKILL after 10 s) and removes its directory. Idempotent. */
  stop(): Promise<void>
  /**
   * MAIN.cache_hit and MAIN.cache_miss from `varnishstat -j`. Varnish adds a worker's counts to
   * these when the worker finishes its task, which for a kept-alive client connection can be a
   * moment after the response: poll (process.ts `until`) rather than read once.
   */
  stats(): Promise<{ hits: number; misses: number }>
}

/** The VCL with the backend's `.host` and `.port` lines replaced; throws if either is missing. */
export function vclFor(source: string, backendHost: string, backendPort: number): string {
  let hosts = 0
  let ports = 0
  const vcl = source
    .replace(/^(\s*)\.host = "[^"]*";/m, (_, indent: string) => (hosts++, `${indent}.host = "${backendHost}";`))
    .replace(/^(\s*)\.port = "[^"]*";/m, (_, indent: string) => (ports++, `${indent}.port = "${backendPort}";`))
  if (hosts !== 1 || ports !== 1)
    throw new Error(`${VCL_PATH}: no '.host = "…";' or '.port = "…";' line in the backend`)
  return vcl
}

/**
 * Instances a crashed or timed-out test would leave running: killed when the process exits.
 * Killing varnishd (the manager) is enough: its cache process exits when the manager is gone.
 */
const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/**
 * Starts varnishd with deploy/varnish/default.vcl in front of `backendHost:backendPort`
 * (127.0.0.1 by default) on a free port of 127.0.0.1, and resolves once it answers HTTP
 * (bounded, 30 s; the error carries varnishd's output). Stopped and removed when `t` ends.
 */
export async function startVarnish(t: Test, options: { backendPort: number; backendHost?: string }): Promise<Varnish> {
  if (!HAS_VARNISH) throw new Error('varnishd with the xkey vmod is not installed (check HAS_VARNISH first)')
  const dir = await mkdtemp(path.join(tmpdir(), 'broadsheet-varnish-'))
  const vcl = path.join(dir, 'default.vcl')
  try {
    await writeFile(
      vcl,
      vclFor(await readFile(VCL_PATH, 'utf8'), options.backendHost ?? '127.0.0.1', options.backendPort),
    )
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }

  // A port taken between freePort() and varnishd's bind makes varnishd exit at once: try again.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    try {
      const varnish = await launch(dir, vcl, port)
      t.teardown(varnish.stop)
      return varnish
    } catch (error) {
      const busy = error instanceof Error && /already in use/i.test(error.message)
      if (!busy || attempt >= 3) {
        await rm(dir, { recursive: true, force: true })
        throw error
      }
    }
  }
}

async function launch(dir: string, vcl: string, port: number, timeoutMs = 30_000): Promise<Varnish> {
  // -F: stays in the foreground (the child is ours to stop); -n: its working directory (shared
  // memory for varnishstat, compiled VCL), removed by stop().
  const args = ['-F', '-n', dir, '-a', `127.0.0.1:${port}`, '-f', vcl, ...VARNISHD_ARGS]
  const child = spawn('varnishd', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(child)
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.once('exit', () => running.delete(child))
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve))

  const url = `http://127.0.0.1:${port}`
  // SIGTERM: varnishd stops its cache process and exits; SIGKILL if that takes over 10 s.
  let killed: Promise<void> | undefined
  const kill = () =>
    (killed ??= (async () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      try {
        await exited
      } finally {
        clearTimeout(timer)
      }
    })())
  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= kill().then(() => rm(dir, { recursive: true, force: true })))

  // Ready when it answers anything over HTTP. A PURGE without xkey is answered 400 by the VCL
  // itself: it neither reaches the backend nor counts as a hit or a miss.
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const failed = await Promise.race([
      spawnError.then((error) => `could not run varnishd: ${error.message}`),
      exited.then(() => `varnishd exited (${child.exitCode ?? child.signalCode})`),
      fetch(url + '/', { method: 'PURGE', signal: AbortSignal.timeout(2000) }).then(
        async (res) => (await res.arrayBuffer(), null),
        () => undefined,
      ),
    ])
    if (failed === null) break
    if (typeof failed === 'string' || Date.now() > deadline) {
      await kill() // the directory is startVarnish's to remove (or to reuse for another port)
      throw new Error(
        `${failed ?? `varnishd did not answer within ${timeoutMs} ms`}\nvarnishd ${args.join(' ')}\n${output}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }

  return {
    url,
    port,
    stop,
    async stats() {
      const result = await run(
        'varnishstat',
        ['-n', dir, '-j', '-f', 'MAIN.cache_hit', '-f', 'MAIN.cache_miss'],
        process.env,
        15_000,
      )
      if (result.code !== 0) throw new Error(`varnishstat exited with ${result.code}: ${result.stderr}`)
      // varnishstat -j: {"version": 1, "counters": {name: {value}}} since 6.5, flat before.
      const json = JSON.parse(result.stdout) as Record<string, unknown> & { counters?: Record<string, unknown> }
      const counters = (json.counters ?? json) as Record<string, { value?: number } | undefined>
      const value = (name: string) => {
        const n = counters[name]?.value
        if (typeof n !== 'number') throw new Error(`varnishstat: no ${name} in ${result.stdout}`)
        return n
      }
      return { hits: value('MAIN.cache_hit'), misses: value('MAIN.cache_miss') }
    },
  }
}
