# Build: compile TypeScript once, here, so the running image needs no compiler.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The lock file names the React client's workspace; npm ci wants its manifest present.
COPY packages/react/package.json packages/react/
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
COPY packages/react/package.json packages/react/
RUN npm ci --omit=dev --ignore-scripts
COPY --from=build /app/dist ./dist
COPY schema.graphql ./
RUN mkdir -p .data && chown node .data
USER node
EXPOSE 4000
CMD ["node", "dist/main.js"]
