/**
 * What `crm mcp` needs to serve over stdio, without the rest of the package (the HTTP transport,
 * the approval executor): the handshake then waits only for the tool definitions and
 * `@crm/core/contracts`. `stdio-entry.test.ts` guards that this stays so.
 */
export { runStdioServer } from './transports/stdio.ts';
export { serverNames } from './servers.ts';
