import { readFileSync } from 'node:fs'
import type { IncomingHttpHeaders } from 'node:http'
import {
  deref,
  describeErrors,
  newAjv,
  prepareSchema,
  registerComponents,
  type JsonObject,
  type SchemaError,
} from '../contract/json-schema.js'

/**
 * Every webhook delivery a test receiver gets is held to the committed OpenAPI document (which
 * test/contract/openapi-drift.test.ts holds to the app): its body against the `webhooks` entry
 * of its `type` (exact keys: a `title` or `body` in an article event's data fails), its
 * Standard Webhooks headers against that entry's parameters. test/support/receiver.ts runs it on
 * every request that carries a `webhook-id`.
 */

const DOCUMENT = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as JsonObject
const WEBHOOKS = (DOCUMENT.webhooks ?? {}) as Record<string, { post?: JsonObject }>

const ajv = newAjv({ strict: true })
registerComponents(ajv, DOCUMENT, { closed: true })

interface Parameter {
  name: string
  in: string
  required?: boolean
  schema: unknown
}

/** Per event type: its body validator and its header parameters, compiled once. */
const CONTRACT = new Map(
  Object.entries(WEBHOOKS).map(([type, item]) => {
    const operation = item.post ?? {}
    const body = (operation.requestBody as { content: Record<string, { schema: unknown }> }).content[
      'application/json'
    ]!
    const parameters = ((operation.parameters ?? []) as unknown[]).map((p) => deref<Parameter>(DOCUMENT, p))
    return [
      type,
      {
        body: ajv.compile(prepareSchema(body.schema, { closed: true }) as JsonObject),
        headers: parameters
          .filter((p) => p.in === 'header')
          .map((p) => ({ ...p, validate: ajv.compile(prepareSchema(p.schema, { closed: true }) as JsonObject) })),
      },
    ]
  }),
)

/** The event types the document describes (`webhooks`). */
export const DOCUMENTED_EVENT_TYPES: readonly string[] = Object.keys(WEBHOOKS)

/** The types of every delivery validated so far in this process (a test file): what a test has exercised. */
export const validatedEventTypes = new Set<string>()

/**
 * What is wrong with one delivery (its raw body and headers) against the document: nothing
 * (an empty list) when it is exactly as documented.
 */
export function deliveryProblems(body: string, headers: IncomingHttpHeaders): string[] {
  let event: unknown
  try {
    event = JSON.parse(body)
  } catch {
    return ['the body is not JSON']
  }
  const type = (event as { type?: unknown } | null)?.type
  const contract = typeof type === 'string' ? CONTRACT.get(type) : undefined
  if (!contract) return [`type ${JSON.stringify(type)} has no entry in the document's webhooks`]
  const problems: string[] = []
  if (!contract.body(event)) {
    problems.push(...describeErrors((contract.body.errors ?? []) as SchemaError[]).map((e) => `body ${e}`))
  }
  for (const header of contract.headers) {
    const value = headers[header.name]
    if (value === undefined) {
      if (header.required) problems.push(`header ${header.name} is missing`)
    } else if (!header.validate(value)) {
      problems.push(`header ${header.name}: ${JSON.stringify(value)} does not match the document`)
    }
  }
  if (problems.length === 0) validatedEventTypes.add(type as string)
  return problems.map((p) => `${type as string}: ${p}`)
}
