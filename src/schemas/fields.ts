import { Type, type TObject, type TProperties } from 'typebox'

/**
 * Sparse fieldsets (`fields=slug,title,author.name`): the public field names each resource
 * offers, in the order of its full representation. The services check a request's names
 * against these lists (services/fields.ts); the OpenAPI document describes a sparse answer with
 * the `…Fields` schemas below.
 */
export const ARTICLE_FIELDS = [
  'id',
  'slug',
  'title',
  'excerpt',
  'body',
  'bodyHtml',
  'bodyText',
  'wordCount',
  'readingTimeMinutes',
  'tags',
  'status',
  'publishedAt',
  'authorId',
  'coverImageId',
  'commentCount',
  'createdAt',
  'updatedAt',
  'structuredData',
  'coverImage',
] as const
export type ArticleField = (typeof ARTICLE_FIELDS)[number]

/** The embedded author's fields, named `author.<field>` (naming one implies include=author). */
export const AUTHOR_SUMMARY_FIELDS = ['id', 'slug', 'name', 'avatarUrl'] as const
export type AuthorSummaryField = (typeof AUTHOR_SUMMARY_FIELDS)[number]

/**
 * An author's fields. `email` may be named but stays private: it is returned only to the callers
 * who get it in the full answer (editor and admin tokens, an author token for its own entry).
 */
export const AUTHOR_FIELDS = [
  'id',
  'slug',
  'name',
  'email',
  'bio',
  'avatarUrl',
  'avatarId',
  'avatar',
  'website',
  'createdAt',
  'updatedAt',
] as const
export type AuthorField = (typeof AUTHOR_FIELDS)[number]

/**
 * A comment's fields. `authorEmail` may be named but stays private: it is returned only where
 * the full answer has it (the moderator representation, for editor and admin tokens).
 */
export const COMMENT_FIELDS = [
  'id',
  'articleId',
  'parentId',
  'authorName',
  'authorEmail',
  'body',
  'bodyHtml',
  'status',
  'createdAt',
] as const
export type CommentField = (typeof COMMENT_FIELDS)[number]

/**
 * The `fields` query parameter of a resource whose field names are `names`. Its example is in
 * the description only: Swagger UI fills a parameter's example into the form, and every
 * "Try it out" would then send a fieldset.
 */
export function FieldsParam(names: readonly string[], example: string) {
  return Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 1000,
      pattern: '^[A-Za-z.]+(,[A-Za-z.]+)*$',
      description:
        `Sparse fieldset: a comma list of the fields to return (\`id\` is always included), from: ${names.join(', ')}. ` +
        'An unknown name is a 400. Only the named fields are read from the database, and the ETag is that of the ' +
        `answer as sent. Example: ${example}`,
    }),
  )
}

/**
 * The schema of a sparse answer: the full schema's properties, every one optional but `id`
 * (a field the caller did not name is left out; private fields stay as private as in the full
 * answer).
 */
export function SparseOf<T extends TProperties>(
  properties: T,
  replace: Partial<Record<keyof T, unknown>>,
  options: { $id: string; description: string },
): TObject {
  const optional = Object.fromEntries(
    Object.entries(properties).map(([name, schema]) => {
      const chosen = (replace as Record<string, unknown>)[name] ?? schema
      return [name, name === 'id' ? chosen : Type.Optional(chosen as never)]
    }),
  )
  return Type.Object(optional as TProperties, { ...options, title: options.$id })
}
