import { AppError } from '@crm/core/contracts';
// the light entries, not the package indexes: an index drags every module of its package (the ORM
// with core's) into the chunk the handshake waits for
import { runStdioServer, serverNames } from '@crm/mcp-servers/stdio';
import type { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import type { Command } from './command.types.ts';

/**
 * An unknown --user with the way out: the server keeps running (a client would show it only as
 * disconnected) and answers every request with this. A database without any tenant is named with
 * where it is: an MCP client that does not pass CRM_DATA_DIR or DATABASE_URL to the server opens
 * the default data folder, not the one `crm start` was run with.
 */
function withFix(err: unknown, values: { user?: unknown; tenant?: unknown }, empty?: { where: string }): unknown {
  if (!(err instanceof AppError) || err.code !== 'UNAUTHENTICATED' || typeof values.user !== 'string') return err;
  if (empty) {
    return new AppError(
      'UNAUTHENTICATED',
      `No user ${values.user}: the database this server opened (${empty.where}) has no tenants yet. ` +
        'Run `npx crm start` once to load the demo tenant, or `npx crm tenant create`; ' +
        'if your data is elsewhere, pass CRM_DATA_DIR (or DATABASE_URL) in the env of this MCP server\'s client configuration',
    );
  }
  const tenant = typeof values.tenant === 'string' ? ` --tenant ${values.tenant}` : '';
  const where = err.message.startsWith('No user') && !tenant ? ' in any tenant of this database' : '';
  return new AppError(
    'UNAUTHENTICATED',
    `${err.message}${where}; list the users with \`npx crm user list${tenant}\` and start this server with one of their emails (--user EMAIL)`,
  );
}

/** Where an empty database is, when it has no tenant (for withFix); undefined when it has one or cannot tell. */
async function emptyDatabase(booted: Awaited<ReturnType<typeof bootCore>>): Promise<{ where: string } | undefined> {
  const tenants = await booted.core.directory.countTenants().catch(() => 1);
  if (tenants > 0) return undefined;
  const { database } = booted.config;
  return { where: database.url ? 'the PostgreSQL server of DATABASE_URL' : `embedded, in ${database.dataDir}` };
}

/**
 * `crm mcp <server>`: one MCP server over stdio for Claude Desktop, IDEs and the MCP Inspector.
 * stdout is the protocol, so everything else (logs, errors) goes to stderr. Works beside a
 * running `crm start` (bootCore reuses its embedded database) and without it.
 */
export const mcpCommand: Command = {
  summary: 'Serve an MCP server over stdio (crm = every server in one)',
  usage: `crm mcp ${serverNames().join('|')} [--user EMAIL] [--tenant SLUG]`,
  options: { ...ACTOR_OPTIONS },
  async run({ positionals, values, logger }) {
    const name = positionals[0];
    if (!name || !serverNames().includes(name)) {
      throw new AppError('VALIDATION_FAILED', `Say which MCP server to serve: "npx crm mcp ${serverNames().join('|')}"`, {
        details: [{ path: 'server', reason: `must be one of ${serverNames().join(', ')}, got ${name ?? 'nothing'}` }],
      });
    }
    // the handshake and tool list are answered first; the database opens right after the handshake
    // (see runStdioServer), so the two do not compete for the one thread
    let booting: ReturnType<typeof bootCore> | undefined;
    // the runtime (and with it the ORM) loads only then
    const boot = () => (booting ??= import('../runtime/boot.ts').then((m) => m.bootCore(logger)));
    const ready = () =>
      boot().then(async (booted) => ({
        core: booted.core,
        actor: await resolveCliActor(booted.core, values).catch(async (err) => Promise.reject(withFix(err, values, await emptyDatabase(booted)))),
      }));
    let running: Awaited<ReturnType<typeof runStdioServer>>;
    try {
      running = await runStdioServer({ server: name, core: ready, logger });
    } catch (err) {
      await booting?.then((b) => b.close()).catch(() => {});
      throw err;
    }
    const booted = await boot();
    // owning the embedded database (now, or after taking it over from the process this one runs
    // through): say where its socket is, so other `crm` commands and other MCP clients' `crm mcp`
    // processes connect through this one instead of waiting for it to end (two processes must never
    // open one data folder); when this process stops, one of them takes the folder over
    const unadvertise = booted.runtime.advertiseEmbedded({ command: `crm mcp ${name}` });
    const shutdown = async (code: number) => {
      // calls in flight through this process fail (DATABASE_UNAVAILABLE); the next go to the new owner
      unadvertise();
      await running.close();
      await booted.close().catch((err) => logger.warn({ err }, 'closing the database failed'));
      process.exit(code);
    };
    process.once('SIGINT', () => void shutdown(130));
    process.once('SIGTERM', () => void shutdown(143));
    void running.closed.then(() => shutdown(0));
    return undefined;
  },
};
