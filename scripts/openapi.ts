/** `npm run openapi`: regenerates openapi/openapi.json and openapi/openapi.yaml from the app. */
import { writeFile } from 'node:fs/promises'
import { renderOpenApi } from '../src/openapi.js'

const { json, yaml } = await renderOpenApi()
await writeFile(new URL('../openapi/openapi.json', import.meta.url), json)
await writeFile(new URL('../openapi/openapi.yaml', import.meta.url), yaml)
console.log('Wrote openapi/openapi.json and openapi/openapi.yaml')
