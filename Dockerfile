# Build: compile TypeScript once, here, so the running image needs no compiler.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The lock file names the client packages' workspaces; npm ci wants their manifests present.
COPY packages/client/package.json packages/client/
COPY packages/react/package.json packages/react/
# With dev dependencies (TypeScript): they build, and stay in this stage.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Run: production dependencies and the compiled JavaScript only.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# Inside a container the port must be reachable from outside it; outside one the default is loopback.
ENV HOST=0.0.0.0
COPY package.json package-lock.json ./
COPY packages/client/package.json packages/client/
COPY packages/react/package.json packages/react/
# Production dependencies only: no compiler, no tsx (npm start's runner), nothing of src/dev.
RUN npm ci --omit=dev --ignore-scripts
COPY --from=build /app/dist ./dist
COPY schema.graphql ./
RUN mkdir -p .data && chown node .data
USER node
EXPOSE 4000
CMD ["node", "dist/main.js"]
