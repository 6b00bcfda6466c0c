# One image for every role; the command picks it (default: a worker). Containers run compiled
# JavaScript with node itself: no tsx and no npm at run time, so SIGTERM reaches node directly.
# Node 24 is the LTS line (Node 20 reached end of life in April 2026).
ARG NODE_IMAGE=node:24-bookworm-slim

# Compile src/ and the user pipelines in pipelines/ to dist/src/ and dist/pipelines/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY pipelines ./pipelines
COPY scripts/copy-pipeline-files.mjs ./scripts/
# dist/pipelines exists even before any pipeline is defined: PIPELINES_DIR points there.
RUN npm run build && mkdir -p dist/pipelines

# Production dependencies only, from the lockfile.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
WORKDIR /app
# NODE_OPTIONS: the worker's heap cap, as `npm run worker` sets it (peak RSS under 200 MB, see
# docs/performance.md); setting NODE_OPTIONS replaces it.
ENV NODE_ENV=production \
    PIPELINES_DIR=/app/dist/pipelines \
    NODE_OPTIONS=--max-old-space-size=1024
COPY package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /lake && chown node:node /lake
USER node
# The worker rewrites its heartbeat file every 10 s while Redis answers; stale after 30 s.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "dist/src/workers/healthcheck.js", "/tmp/lakeflow-worker.heartbeat"]
CMD ["node", "dist/src/workers/main.js", "--heartbeat", "/tmp/lakeflow-worker.heartbeat"]
