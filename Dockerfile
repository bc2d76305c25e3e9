# syntax=docker/dockerfile:1
# Tributary gateway image: `docker build -t tributary .`, then
# `docker run -p 4000:4000 tributary`. README "Deployment" describes the build
# arguments, the baked-in config and what was (and was not) run to check this file.
#
# Node 24 is the active LTS line; package.json "engines" says which versions are supported.
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: install everything, compile src/ to dist/, then drop dev dependencies ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first, so the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
# --ignore-scripts: the project's own `prepare` (the build) needs the sources, copied below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build
# `npm prune` runs no lifecycle script, so dist/ survives (`npm ci --omit=dev` would run
# `prepare`, whose build step finds no TypeScript and removes dist/).
RUN npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM ${NODE_IMAGE} AS runtime
# Build-context path of the config to bake in. It is copied to /app/.meshrc.yaml, the
# file `tributary start` reads by default, so paths in it are resolved from /app (the
# repository root): the demo config's ./sources/*.yaml work as they are. Put the spec
# files a config needs inside the build context (and outside .dockerignore).
ARG TRIBUTARY_CONFIG=.meshrc.yaml
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only for the gateway's user; only the load cache is writable.
# The whole build tree (minus .dockerignore), so that spec files anywhere in the context
# are found; src/ must be there because bin/tributary.js compares dist/'s stamp with it.
COPY --from=build /app ./
COPY --from=build /app/${TRIBUTARY_CONFIG} ./.meshrc.yaml
# Fail the build, rather than start slowly, if the copy made dist/ look older than src/
# (the command would then run the TypeScript sources through tsx).
RUN node --input-type=module -e "const { chooseEntry } = await import('/app/bin/entry.js'); const e = chooseEntry('/app'); if (e.use !== 'dist') { console.error('dist/ is not used:', JSON.stringify(e)); process.exit(1); }" \
 && mkdir -p .tributary/cache && chown -R node:node .tributary

# The official image's unprivileged user (uid 1000).
USER node
# Fill the load cache (.tributary/cache beside the config) at image build, as `mesh
# build` is run for Mesh: the first start of every container skips Mesh's OpenAPI
# loader. `check` validates the config and every source without calling any service,
# and exits 1 on any error, which fails the build.
RUN node bin/tributary.js check --config .meshrc.yaml

EXPOSE 4000
# /healthz answers 200 while the process runs (/readyz is for traffic, see
# deploy/kubernetes). No curl in slim images: Node's own fetch does the probe.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# On SIGTERM the gateway drains in-flight requests within tributary.server.shutdownGraceMs
# (default 30 s); give `docker stop` a longer timeout (`docker stop -t 40`, compose
# `stop_grace_period`).
STOPSIGNAL SIGTERM
# Exec form: node is PID 1 and receives the signal itself (no shell in between).
CMD ["node", "bin/tributary.js", "start"]
