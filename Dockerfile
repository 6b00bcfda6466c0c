# One image for every role (worker, board, enqueue); the command picks the role.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx is a runtime dependency: the scripts run the TypeScript sources directly, no build step.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
RUN mkdir -p /lake && chown node:node /lake
USER node
CMD ["npm", "run", "worker"]
