import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { chown, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import type { Test } from 'tap'
import { freePort } from './process.js'

const exec = promisify(execFile)

/** The Debian Postgres binaries, when this machine has them. */
function binDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0]
  const dir = version && path.join(root, version, 'bin')
  return dir && existsSync(path.join(dir, 'pg_ctl')) ? dir : undefined
}

/** Why a private cluster cannot be made here, or undefined when it can. */
export function clusterUnavailable(): string | undefined {
  if (!binDir()) return 'needs the Postgres server binaries (/usr/lib/postgresql/*/bin)'
  if (process.getuid?.() !== 0) return 'needs root, to run initdb as the postgres user'
  return undefined
}

export interface Cluster {
  url: string
  stop(): Promise<void>
  start(): Promise<void>
}

/**
 * A throw-away Postgres server of our own (initdb in a temp dir, its own port), so a test may
 * stop and start the database under a running Broadsheet without touching anyone else's.
 */
export async function privateCluster(t: Test): Promise<Cluster> {
  const bin = binDir()!
  const dir = await mkdtemp(path.join(tmpdir(), 'broadsheet-pg-'))
  await chown(dir, ...(await postgresIds()))
  const port = await freePort()
  const data = path.join(dir, 'data')
  const asPostgres = (cmd: string, args: string[]) =>
    exec('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args])
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'])
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', path.join(dir, 'log'), '-w', 'start'])
  }
  const stop = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'])
  }
  await start()
  t.teardown(async () => {
    await stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, start, stop }
}

async function postgresIds(): Promise<[number, number]> {
  const { stdout: uid } = await exec('id', ['-u', 'postgres'])
  const { stdout: gid } = await exec('id', ['-g', 'postgres'])
  return [Number(uid), Number(gid)]
}
