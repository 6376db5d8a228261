# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, ship only what runs.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# postinstall runs `prisma generate`, which needs no engine download (see prisma.config.ts).
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY src ./src
RUN npm run build && npm prune --omit=dev

# The runtime ships compiled JavaScript only (no src/, nothing compiled at run time). Its
# entry points, for `docker compose run --rm app <command>` (README, "Databases"):
#   node dist/src/server.js                     the server (CMD)
#   node dist/src/cli/token.js create|list|revoke   API tokens (npm run token outside Docker)
#   node dist/prisma/seed.js [--large]          sample content (npx prisma db seed outside)
#   node dist/src/cli/migrate.js                pending migrations (npm run db:migrate outside)
# No engine runs in CI: scripts/docker-layout-check.sh rebuilds this file layout from the
# instructions below and runs each of them against Postgres.
FROM node:24-bookworm-slim
# MALLOC_ARENA_MAX=2: glibc keeps freed image buffers in up to eight arenas per core, so a
# second upload allocates afresh instead of reusing the first's (README: Images, memory).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=build /app/package.json /app/prisma.config.ts ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/dist ./dist
RUN mkdir -p /data/media && chown -R node:node /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/server.js"]
