import type { PrismaClient } from '../generated/prisma/client.js'
import type { CursorCodec } from './list.js'

export interface CommentServiceOptions {
  cursors: () => Promise<CursorCodec>
}

// SKELETON: to be implemented (public comments, posting, moderation queue).
export function createCommentService(prisma: PrismaClient, options: CommentServiceOptions) {
  void prisma
  void options
  return {}
}

export type CommentService = ReturnType<typeof createCommentService>
