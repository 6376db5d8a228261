/**
 * The replay ceiling of `npm run bench`'s cached rows: a bare Fastify that answers each path with
 * bytes and headers Broadsheet sent for it, from memory (no hooks, no database, no
 * serialisation). What any cached read on this stack can reach at best. Reads the answers from
 * the JSON file named by REPLAY_FILE (written by bench/run.ts), listens on PORT.
 */
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

interface Answer {
  path: string
  status: number
  headers: Record<string, string>
  body: string
}

const answers = JSON.parse(readFileSync(process.env.REPLAY_FILE!, 'utf8')) as Answer[]
const app = Fastify({ logger: false })
for (const answer of answers) {
  const body = Buffer.from(answer.body, 'base64')
  const url = new URL(answer.path, 'http://x')
  app.get(url.pathname, (_request, reply) => {
    void reply.code(answer.status).headers(answer.headers).send(body)
  })
}
app.get('/health/ready', () => ({ status: 'ok' }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
