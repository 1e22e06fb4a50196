/**
 * Contexts whose error lines Nest writes and then rethrows the same error to the caller (start-up
 * with abortOnError: false, a port already taken): runGatewayProcess reports it in one line.
 */
export const RETHROWN_CONTEXTS: ReadonlySet<string> = new Set(['ExceptionHandler', 'NestApplication']);
