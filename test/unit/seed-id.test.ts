import t from 'tap'
import { seedId } from '../../src/db/seed.js'

t.test('seed ids are stable, distinct, RFC 9562 version-5 UUIDs', async (t) => {
  const a = seedId('article', 'x')
  t.equal(a, seedId('article', 'x'))
  t.not(a, seedId('comment', 'x'))
  t.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})
