import t from 'tap'
import { isUuid } from '../../src/db/sql.js'
import { nextFreeSlug, slugify } from '../../src/services/slug.js'

t.test('slugify', async (t) => {
  const cases: [string, string][] = [
    ['Minsk: a tale of 2 rallies', 'minsk-a-tale-of-2-rallies'],
    ['Zoë Ðorđević’s “big” day — in Kraków', 'zoe-dordevics-big-day-in-krakow'],
    ['Straße & Søren Æbeltoft', 'strasse-and-soren-aebeltoft'],
    ['Łódź, Reykjavík, São Paulo', 'lodz-reykjavik-sao-paulo'],
    ['Москва: новости', 'moskva-novosti'],
    ['Αθήνα', 'athina'],
    ['  --Hello,   World!--  ', 'hello-world'],
    ['ﬁnal ½ price', 'final-1-2-price'],
  ]
  for (const [input, expected] of cases) t.equal(slugify(input), expected, input)
  t.equal(slugify('مرحبا بالعالم'), 'untitled', 'scripts without a transliteration fall back')
  t.equal(slugify('', 'article'), 'article')
  const long = slugify('word '.repeat(40))
  t.ok(long.length <= 80 && !long.endsWith('-'), 'long titles are cut at a word boundary')
  t.equal(slugify('123e4567-e89b-42d3-a456-426614174000'), 'untitled', 'never shaped like a UUID')
})

t.test('nextFreeSlug and isUuid', async (t) => {
  t.equal(nextFreeSlug('a', []), 'a')
  t.equal(nextFreeSlug('a', ['a']), 'a-2')
  t.equal(nextFreeSlug('a', ['a', 'a-2', 'a-3']), 'a-4')
  t.equal(nextFreeSlug('a', ['a', 'a-3']), 'a-2')
  t.ok(isUuid('123E4567-E89B-42D3-A456-426614174000'))
  t.notOk(isUuid('minsk-a-tale'))
})
