# clickflow's image: `docker build -t clickflow .`, then `docker run --rm clickflow --help`.
# docker-compose.yml runs the producer, the job manager and the job submission from it.

# Build: the full dependencies (TypeScript, esbuild) compile src/ into dist/src and the browser's
# code (web/app, web/tracker) into dist/web, then bundle the CLI into dist/src/bundle (`npm run build`).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build.mjs ./scripts/
COPY src ./src
COPY web ./web
RUN npm run build

# Runtime: production dependencies and the compiled code only, run as the unprivileged `node` user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/web ./dist/web
COPY bin ./bin
COPY samples ./samples
# The job manager's live page: its HTML and CSS (its modules are in dist/web).
COPY web ./web
# The job manager keeps its state file here; a named volume mounted on it inherits the owner.
RUN mkdir -p /home/node/.local/state/clickflow && chown -R node:node /home/node/.local
USER node
ENTRYPOINT ["node", "bin/clickflow.js"]
CMD ["--help"]
