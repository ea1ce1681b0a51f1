FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production
# Inside a container the port must be reachable from outside it; outside one the default is loopback.
ENV HOST=0.0.0.0
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY tsconfig.json schema.graphql ./
COPY src ./src
RUN mkdir -p .data && chown node .data
USER node
EXPOSE 4000
# tsx runs the TypeScript directly; no build step to keep in sync.
CMD ["node", "--import", "tsx", "src/main.ts"]
