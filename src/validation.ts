import { AjvCompiler, type BuildCompilerFromPool, type ValidatorCompiler } from '@fastify/ajv-compiler'

/**
 * Request validation. Query strings, path parameters and headers arrive as text, so there
 * `?limit=5` is coerced to the integer the schema asks for. JSON bodies are never coerced:
 * `{"title": 5}` is a 400, not the string "5". Unknown properties are rejected, not
 * stripped, and every failing field is reported (all inputs carry length and size bounds).
 */
const base = { removeAdditional: false, useDefaults: true, allErrors: true } as const

export function buildValidatorFactory(): BuildCompilerFromPool {
  const fromPool = AjvCompiler()
  return (externalSchemas, options) => {
    const plugins = options?.plugins ?? []
    const body = fromPool(externalSchemas, { plugins, customOptions: { ...base, coerceTypes: false } })
    const text = fromPool(externalSchemas, { plugins, customOptions: { ...base, coerceTypes: 'array' } })
    const compiler: ValidatorCompiler = (route) => (route.httpPart === 'body' ? body : text)(route)
    return compiler
  }
}
