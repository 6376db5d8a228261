import type { PrismaClient } from '../generated/prisma/client.js'
import type { CursorCodec } from './list.js'

export interface AuthorServiceOptions {
  cursors: () => Promise<CursorCodec>
}

// SKELETON: to be implemented (authors CRUD, list with q).
export function createAuthorService(prisma: PrismaClient, options: AuthorServiceOptions) {
  void prisma
  void options
  return {}
}

export type AuthorService = ReturnType<typeof createAuthorService>
