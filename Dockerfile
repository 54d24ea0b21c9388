# syntax=docker/dockerfile:1
# The game server and the GPU inference worker, from one build.
#   docker build --target server -t metaverse-server .
#   docker build --target worker -t metaverse-worker .   (CUDA; needs internet for onnxruntime's CUDA provider)
# docker-compose.yaml builds both; see README "Deployment".

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: install everything, compile the server (tsc) and the client (Vite).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
# postinstall generates the Prisma client (offline: generate never runs the schema engine).
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 # The image runs on the base image's Node 22; the npm package `node` (for hosts with an older Node) is not needed.
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/node node_modules/.bin/node

# ---- server: compiled code, production dependencies, the shipped models and the migrations.
FROM ${NODE_IMAGE} AS server
WORKDIR /app
ENV NODE_ENV=production PORT=2567 HOST=0.0.0.0
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/models/fill-mask ./models/fill-mask
COPY --from=build /app/models/sentiment ./models/sentiment
COPY --from=build /app/prisma/migrations ./prisma/migrations
# The compiled migrate.js looks for migrations relative to itself (dist/prisma/migrations).
COPY --from=build /app/prisma/migrations ./dist/prisma/migrations
USER node
EXPOSE 2567
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||2567)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node receives SIGTERM directly (no shell in between) and drains: see README "Graceful operation".
CMD ["node", "dist/server/src/main.js"]

# ---- worker: the same code on CUDA, with onnxruntime-node's CUDA provider.
FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04 AS worker
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
ENV NODE_ENV=production
COPY --from=server /app /app
# The CPU build ships inside onnxruntime-node; its install script fetches the CUDA 12 provider.
RUN cd node_modules/onnxruntime-node && ONNXRUNTIME_NODE_INSTALL=cuda12 node script/install.js
USER ubuntu
# --server, --token (or WORKER_TOKEN), --device, --threads, --capacity, --name: see README "Remote workers on a GPU machine".
ENTRYPOINT ["node", "dist/server/src/inference/remoteWorkerMain.js"]
CMD ["--device", "cuda:0"]
