// SKELETON: Comment schemas (CommentSchema, CreateCommentSchema, UpdateCommentSchema,
// CommentListSchema, ListCommentsQuerySchema, ...). Every exported schema with an $id becomes
// an OpenAPI component (see src/plugins/swagger.ts).
export {}
