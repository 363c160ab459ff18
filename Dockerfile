# The bridge alone, for Fargate: it invokes the functions in Lambda, so the
# image holds bin/bridge.ts, lib/ and the production dependencies only.
# `sst deploy` builds it for arm64; to build it yourself:
#   docker build --platform linux/arm64 -t axumkit-bridge .
# Node.js runs the TypeScript sources directly (type stripping), so there is
# no compile step. Keep the tag in step with the `node` devDependency.

FROM node:24.21.0-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies are left out too: the only ones in the production
# tree are the sst CLI binaries, which the bridge never runs.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM node:24.21.0-slim
ENV NODE_ENV=production
WORKDIR /app
# Root owns the files and the bridge runs as `node`, so it cannot change them.
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY bin/bridge.ts ./bin/bridge.ts
COPY lib ./lib
USER node
EXPOSE 9464
CMD ["node", "--max-semi-space-size=4", "bin/bridge.ts"]
