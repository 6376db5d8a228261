import { Type, type Static } from 'typebox'
import { ARTICLE_STATUSES } from './article.js'
import { IdOrSlugParamsSchema, ListOf, ListQuery, Nullable, StringEnum, Timestamp, Uuid, ref } from './common.js'

export const REVISION_ACTIONS = ['create', 'update', 'publish', 'unpublish', 'restore', 'trash', 'untrash'] as const

/** Who made a change: the token's id and its name at the time; both null for the seed and the upgrade baseline. */
const By = Type.Object(
  {
    tokenId: Nullable(Uuid),
    name: Nullable(Type.String({ description: "The token's name when it made the change." })),
  },
  {
    description:
      'Who made the change (null for sample content and the history baseline of articles older than revisions).',
  },
)

const summary = {
  number: Type.Integer({
    minimum: 1,
    maximum: 2_147_483_647,
    description: "The article's version after this change: 1, 2, 3, …",
  }),
  action: StringEnum(REVISION_ACTIONS, {
    description:
      "create, update (PATCH, bulk tag changes), publish (also scheduling), unpublish, restore (an older revision's " +
      'content copied back; see restoredFrom), trash, untrash (back from the trash).',
  }),
  createdAt: Timestamp,
  by: By,
  title: Type.String({ description: 'The title after this change.' }),
  status: StringEnum(ARTICLE_STATUSES, { description: 'The publication state after this change.' }),
  restoredFrom: Nullable(
    Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'For restore: the revision copied.' }),
  ),
}

export const RevisionSummarySchema = Type.Object(summary, {
  $id: 'RevisionSummary',
  title: 'RevisionSummary',
  description: 'A revision as listed: who, when, what; without the snapshot.',
})
export type RevisionSummary = Static<typeof RevisionSummarySchema>

export const RevisionListSchema = ListOf(RevisionSummarySchema, 'RevisionList')
export type RevisionList = Static<typeof RevisionListSchema>

export const SnapshotSchema = Type.Object(
  {
    title: Type.String(),
    slug: Type.String(),
    excerpt: Type.String(),
    body: Type.String({ description: 'Markdown, byte-exact. Untrusted input for a frontend, as on the article.' }),
    tags: Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 }),
    authorId: Uuid,
    coverImageId: Type.Optional(Nullable({ ...Uuid, description: 'Absent in revisions made before covers existed.' })),
    status: StringEnum(ARTICLE_STATUSES),
    publishedAt: Nullable(Timestamp),
    trashed: Type.Boolean(),
  },
  {
    $id: 'RevisionSnapshot',
    title: 'RevisionSnapshot',
    description: "The article's editable fields and publication state after the change. Never anything secret.",
  },
)
export type Snapshot = Static<typeof SnapshotSchema>

export const RevisionSchema = Type.Object(
  { ...summary, snapshot: ref(SnapshotSchema) },
  { $id: 'Revision', title: 'Revision', description: 'One immutable revision of an article, with its full snapshot.' },
)
export type Revision = Static<typeof RevisionSchema>

export const DIFF_FIELDS = [
  'title',
  'slug',
  'excerpt',
  'body',
  'tags',
  'authorId',
  'coverImageId',
  'status',
  'publishedAt',
  'trashed',
] as const

/** A snapshot field's value: text, a tag list, a flag or null. */
const FieldValue = Type.Unsafe<string | string[] | boolean | null>({
  anyOf: [
    { type: 'string' },
    { type: 'array', items: { type: 'string', maxLength: 50 }, maxItems: 20 },
    { type: 'boolean' },
    { type: 'null' },
  ],
  description: "The field's value (a string, the tags, a boolean or null).",
})

export const DiffLineSchema = Type.Object(
  {
    kind: StringEnum(['unchanged', 'added', 'removed'] as const),
    text: Type.String({ description: 'The line, without its line break.' }),
    fromLine: Nullable(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        description: 'Line number in `from` (null for an added line).',
      }),
    ),
    toLine: Nullable(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        description: 'Line number in `to` (null for a removed line).',
      }),
    ),
  },
  { $id: 'DiffLine', title: 'DiffLine' },
)

const LineCount = (description: string) => Type.Integer({ minimum: 0, maximum: 2_147_483_647, description })

export const DiffSummarySchema = Type.Object(
  {
    added: LineCount('Lines only in `to`.'),
    removed: LineCount('Lines only in `from`.'),
    unchanged: LineCount('Lines on both sides.'),
  },
  {
    $id: 'DiffSummary',
    title: 'DiffSummary',
    description:
      'For body: how many lines of the whole line diff are added, removed and unchanged, whether `lines` lists them all or not.',
  },
)
export type DiffSummary = Static<typeof DiffSummarySchema>

export const RevisionDiffSchema = Type.Object(
  {
    from: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The older side (`against`).' }),
    to: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'The revision asked for.' }),
    changes: Type.Array(
      Type.Object({
        field: StringEnum(DIFF_FIELDS),
        before: FieldValue,
        after: FieldValue,
        lines: Type.Optional(
          Type.Array(Type.Unsafe({ $ref: 'DiffLine#' }), {
            maxItems: 100_000,
            description:
              'For body: the line diff in order, each line unchanged, added or removed (render like a unified diff). Every ' +
              'line of both sides when the whole diff has at most DIFF_MAX_LINES lines (default 2000). Past that, only the ' +
              'changed lines with 3 unchanged lines of context around each change (unchanged stretches further from a change ' +
              'are left out: `fromLine` and `toLine` jump over them), and at most DIFF_MAX_LINES of those (see `truncated`).',
          }),
        ),
        summary: Type.Optional(ref(DiffSummarySchema)),
        truncated: Type.Optional(
          Type.Boolean({
            description:
              'For body: true when `lines` stops before the end of the diff because it reached DIFF_MAX_LINES; `summary` ' +
              'counts what is left out.',
          }),
        ),
      }),
      { maxItems: DIFF_FIELDS.length, description: 'Only the fields that differ, in snapshot order.' },
    ),
  },
  {
    $id: 'RevisionDiff',
    title: 'RevisionDiff',
    description: 'Field-by-field changes from revision `from` to revision `to`.',
  },
)
export type RevisionDiff = Static<typeof RevisionDiffSchema>

export const JsonPatchSchema = Type.Array(
  Type.Object({
    op: StringEnum(['add', 'remove', 'replace', 'move', 'copy', 'test'] as const, {
      description: 'In practice add, remove and replace.',
    }),
    path: Type.String({ description: 'JSON Pointer into the snapshot, e.g. /title or /tags/2.' }),
    from: Type.Optional(Type.String({ description: 'move and copy: where from.' })),
    value: Type.Optional(Type.Unsafe({ description: 'The new value (add, replace, test).' })),
  }),
  {
    $id: 'JsonPatch',
    title: 'JsonPatch',
    maxItems: 100_000,
    description:
      'RFC 6902 JSON Patch that turns snapshot `against` into snapshot `number` (Accept: application/json-patch+json).',
  },
)

export const RevisionParamsSchema = Type.Object(
  {
    ...IdOrSlugParamsSchema.properties,
    number: Type.Integer({ minimum: 1, maximum: 2_147_483_647, description: 'Revision number.' }),
  },
  { additionalProperties: false },
)
export type RevisionParams = Static<typeof RevisionParamsSchema>

export const ListRevisionsQuerySchema = Type.Object(
  {
    ...ListQuery,
    sort: Type.Optional(Type.String({ maxLength: 20, description: '-number (newest first, the default) or number.' })),
  },
  { additionalProperties: false },
)
export type ListRevisionsQuery = Static<typeof ListRevisionsQuerySchema>

export const DiffQuerySchema = Type.Object(
  {
    against: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 2_147_483_647,
        description: 'The revision to compare with (either side of `number`). Default: the revision before `number`.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type DiffQuery = Static<typeof DiffQuerySchema>
