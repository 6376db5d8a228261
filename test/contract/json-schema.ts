import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats = addFormatsModule.default

export type Ajv = InstanceType<typeof Ajv2020>
export type JsonObject = Record<string, unknown>

/** The id under which a document's component schemas are registered: `<id>#/$defs/<Name>`. */
export const COMPONENTS_ID = 'urn:broadsheet:openapi:components'

/** Ajv for JSON Schema 2020-12 (the OpenAPI 3.1 dialect) with the formats the document uses. */
export function newAjv(options: { strict: boolean }): Ajv {
  const ajv = new Ajv2020({ strict: options.strict, allErrors: true, validateFormats: true })
  addFormats(ajv)
  return ajv
}

/**
 * A copy of an OpenAPI schema that Ajv can compile on its own: `#/components/schemas/X`
 * becomes `urn:…:components#/$defs/X` (see `registerComponents`). With `closed`, every
 * object schema that says nothing about additional properties gets
 * `additionalProperties: false`: the document's properties are then the whole truth, so a
 * response field it does not describe is an error rather than silently allowed.
 */
export function prepareSchema(schema: unknown, options: { closed: boolean }): unknown {
  const copy = structuredClone(schema)
  rewrite(copy, options.closed)
  return copy
}

/** Registers `components.schemas` once, so prepared schemas can `$ref` them. */
export function registerComponents(ajv: Ajv, document: JsonObject, options: { closed: boolean }): void {
  const schemas = ((document.components as JsonObject | undefined)?.schemas ?? {}) as JsonObject
  const $defs = Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [name, prepareSchema(schema, options)]),
  )
  ajv.addSchema({ $id: COMPONENTS_ID, $defs })
}

const COMPONENT_REF = '#/components/schemas/'
/** The JSON Schema keywords whose values are schemas: maps of them, lists of them, or one. */
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'dependentSchemas']
const SCHEMA_LISTS = ['anyOf', 'oneOf', 'prefixItems']
const SCHEMAS = [
  'items',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'additionalProperties',
  'unevaluatedProperties',
  'propertyNames',
]

function rewrite(node: unknown, closed: boolean, allOfBranch = false): void {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return
  const schema = node as JsonObject
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith(COMPONENT_REF)) {
    schema.$ref = `${COMPONENTS_ID}#/$defs/${schema.$ref.slice(COMPONENT_REF.length)}`
  }
  for (const key of SCHEMA_MAPS)
    for (const sub of Object.values((schema[key] ?? {}) as JsonObject)) rewrite(sub, closed)
  for (const key of SCHEMA_LISTS) for (const sub of Array.isArray(schema[key]) ? schema[key] : []) rewrite(sub, closed)
  for (const sub of Array.isArray(schema.allOf) ? schema.allOf : []) rewrite(sub, closed, true)
  for (const key of SCHEMAS) rewrite(schema[key], closed)
  // A branch of allOf stays open: the other branches describe the rest of the object.
  const isObject = schema.type === 'object' || (schema.type === undefined && schema.properties !== undefined)
  const saysNothing = !(
    'additionalProperties' in schema ||
    'unevaluatedProperties' in schema ||
    'patternProperties' in schema
  )
  if (closed && !allOfBranch && isObject && saysNothing) schema.additionalProperties = false
}

export interface SchemaError {
  instancePath: string
  message?: string
  keyword: string
  params: JsonObject
}

/** Ajv errors as short lines: `/data/0/title: must be string`. */
export function describeErrors(errors: readonly SchemaError[]): string[] {
  return errors.map((e) => {
    const at = e.instancePath || '(root)'
    if (e.keyword === 'additionalProperties')
      return `${at}: unexpected property "${String(e.params.additionalProperty)}"`
    if (e.keyword === 'required') return `${at}: missing property "${String(e.params.missingProperty)}"`
    if (e.keyword === 'enum') return `${at}: must be one of ${JSON.stringify(e.params.allowedValues)}`
    return `${at}: ${e.message ?? e.keyword}`
  })
}

/**
 * An OpenAPI object that may be a Reference Object to a shared response, parameter or header
 * (`#/components/responses/…`, `…/parameters/…`, `…/headers/…`): the object it names. Schemas
 * are returned as they are: their `$ref`s are JSON Schema's, which Ajv resolves.
 */
export function deref<T = JsonObject>(document: JsonObject, node: unknown): T {
  let current = node
  for (let hops = 0; hops < 10; hops++) {
    const ref = typeof current === 'object' && current !== null ? (current as JsonObject).$ref : undefined
    if (typeof ref !== 'string' || !/^#\/components\/(responses|parameters|headers|requestBodies|examples)\//.test(ref))
      break
    const target = ref
      .slice(2)
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<unknown>(
        (at, part) => (typeof at === 'object' && at !== null ? (at as JsonObject)[part] : undefined),
        document,
      )
    if (target === undefined) throw new Error(`${ref} does not resolve`)
    current = target
  }
  return current as T
}
