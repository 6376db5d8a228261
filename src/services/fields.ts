import { Problems } from '../errors.js'

/** The fields a caller chose (`fields=`): the resource's own, and the embedded author's when any `author.*` was named. */
export interface FieldSelection<F extends string, A extends string = never> {
  fields: ReadonlySet<F>
  author?: ReadonlySet<A>
}

/**
 * Parses `fields=` against a resource's allowlist (schemas/fields.ts): unknown names are a 400
 * naming them; `id` is always part of the selection; `author.<field>` names an embedded author
 * field when `authorFields` is given.
 */
export function parseFields<F extends string, A extends string = never>(
  text: string,
  allowed: readonly F[],
  authorFields?: readonly A[],
): FieldSelection<F, A> {
  const fields = new Set<F>(['id' as F])
  const author = new Set<A>()
  const unknown: string[] = []
  for (const name of text.split(',')) {
    if (name.startsWith('author.') && authorFields) {
      const sub = name.slice('author.'.length)
      if ((authorFields as readonly string[]).includes(sub)) author.add(sub as A)
      else unknown.push(name)
    } else if ((allowed as readonly string[]).includes(name)) fields.add(name as F)
    else unknown.push(name)
  }
  if (unknown.length > 0) {
    const offered = [...allowed, ...(authorFields ?? []).map((f) => `author.${f}`)]
    throw Problems.validation([
      {
        path: '/query/fields',
        message: `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; fields: ${offered.join(', ')}`,
      },
    ])
  }
  return author.size > 0 ? { fields, author } : { fields }
}
