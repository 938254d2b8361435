# One image for api, worker and web (they share the workspace and its lockfile).
FROM node:20-bookworm
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1
COPY package.json package-lock.json .npmrc ./
COPY migrations/package.json migrations/
COPY worker/package.json worker/
COPY api/package.json api/
COPY web/package.json web/
RUN npm ci
# After npm ci (which would skip dev dependencies under it): graphql-js and others skip development-only checks.
ENV NODE_ENV=production
COPY . .
RUN npm run build -w web
