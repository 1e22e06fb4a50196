# Xietong gateway image: Node 22 LTS, built in one stage, run as the unprivileged `node` user.
#   docker build -t xietong-gateway .
# The same image runs the gateway (default command), the split roles (dist/apps/relay|inbound|
# scheduler/src/main.js) and the CLI (`node dist/apps/cli/src/main.js kafka apply ...`).

FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is compiled for Node 22 here (prebuilt binary, or python3/make/g++ as fallback).
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY .swcrc tsconfig.json nest-cli.json ./
COPY apps apps
COPY libs libs
COPY schemas schemas
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    XIETONG_HTTP_HOST=0.0.0.0 \
    XIETONG_HTTP_PORT=3000 \
    XIETONG_SCHEMAS_DIR=/app/schemas
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/dist dist
COPY --from=build --chown=root:root /app/schemas schemas
# Code is root-owned and read-only for the gateway; it writes only to /var/lib/xietong (SQLite, if used).
RUN mkdir -p /var/lib/xietong && chown node:node /var/lib/xietong
USER node
EXPOSE 3000
# Liveness, not readiness: a gateway degraded by a Kafka outage or an expired manifest recovers by
# itself, and a restart would not help (docs/operations.md).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.XIETONG_HTTP_PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--max-old-space-size=1024", "dist/apps/gateway/src/main.js"]
