import { readFile } from 'node:fs/promises'
import t from 'tap'
import { CLIENT_TYPES_FILE, renderClientTypes } from '../../scripts/openapi.js'
import { renderOpenApi } from '../../src/openapi.js'

t.test('the committed OpenAPI files and client types are what the app generates', async (t) => {
  const { json, yaml } = await renderOpenApi()
  const committedJson = await readFile(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')
  const committedYaml = await readFile(new URL('../../openapi/openapi.yaml', import.meta.url), 'utf8')
  t.equal(committedJson, json, 'openapi/openapi.json is current (regenerate with `npm run openapi`)')
  t.equal(committedYaml, yaml, 'openapi/openapi.yaml is current (regenerate with `npm run openapi`)')

  const committedTypes = await readFile(CLIENT_TYPES_FILE, 'utf8')
  t.equal(
    committedTypes,
    await renderClientTypes(json),
    'examples/broadsheet-api.d.ts is current (regenerate with `npm run openapi`)',
  )
})
