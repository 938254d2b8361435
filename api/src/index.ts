// The api's public surface for other workspaces (scripts/start.ts, tests): config, logger, server, schema.
export { loadApiConfig, ApiEnv, type ApiConfig } from './config.js';
export { createLogger } from './log.js';
export { startApiServer, type ApiServer } from './server.js';
export { buildApiSchema } from './buildApiSchema.js';
export { applyStatementTimeout } from './statementTimeout.js';
