import { AppError, DEMO_TENANT, type Actor, seedDemoKnowledge, seedDemoTenant, unfinishedDemoKnowledge, withoutEmpty } from '@crm/core';
import { startScoring } from '@crm/core';
import { z } from 'zod';
import { bootCore, readRunningServer, writeRunningServer } from '../runtime/boot.ts';
import { startHttpServer } from '../server.ts';
import type { Command } from './command.types.ts';
import { printDemo } from './data.commands.ts';

const StartEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  FOLLOW_UP_SCAN_SECONDS: z.coerce.number().int().min(1).default(60),
});

export const startCommand: Command = {
  summary: 'Migrate, seed the demo tenant on first run, and start the platform',
  usage: 'crm start [--port N] [--no-seed]',
  options: { port: { type: 'string' }, 'no-seed': { type: 'boolean' } },
  async run({ values, logger }) {
    const env = StartEnv.parse(withoutEmpty(process.env));
    const port = values.port === undefined ? env.PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new AppError('VALIDATION_FAILED', '--port must be a number from 0 to 65535', { details: [{ path: 'port', reason: 'out of range' }] });
    }
    const booted = await bootCore(logger);
    const { core, config } = booted;
    if (!booted.ownsEmbedded && !config.database.url?.includes(process.env.DATABASE_URL ?? '\u0000')) {
      const running = readRunningServer(config);
      await booted.close();
      throw new AppError('CONFLICT', `crm start is already running (pid ${running?.pid}) at ${running?.httpUrl ?? 'unknown address'}`);
    }
    const out = process.stdout;
    const tenants = Number((await core.db.asWorker((c) => c.query<{ n: string }>('SELECT count(*) AS n FROM tenants'))).rows[0].n);
    let knowledgeLoad: Promise<unknown> | undefined;
    let knowledgeResumed = false;
    const stopLoading = new AbortController();
    const loadFailed = (err: unknown) =>
      stopLoading.signal.aborted
        ? logger.info('demo knowledge base load paused; the next "npx crm start" resumes it')
        : logger.warn({ err }, 'demo knowledge base did not finish loading; the next "npx crm start" resumes it');
    const loadKnowledge = (admin: Actor) =>
      seedDemoKnowledge(core, admin, { signal: stopLoading.signal })
        .then((r) => logger.info({ ...r }, 'demo knowledge base loaded'))
        .catch(loadFailed);
    if (tenants === 0 && !values['no-seed']) {
      out.write('First run: loading the demo tenant…\n');
      const demo = await seedDemoTenant(core, {
        onProgress: (done, total) => process.stderr.isTTY && process.stderr.write(`\r  ${done}/${total} records`),
      });
      printDemo(demo);
      if (process.stderr.isTTY) process.stderr.write('\n');
      // The knowledge base (documents + ~20,000 interactions to embed) loads in the background in
      // short transactions, so the gateway is usable at once; search fills in as it goes.
      const admin = await core.users.actorByEmail(demo.users.find((u) => u.role === 'ADMIN')!.email, demo.slug);
      knowledgeLoad = loadKnowledge(admin);
    } else if (!values['no-seed']) {
      // a first start stopped while the knowledge base was loading: pick up where it left off
      const admin = await unfinishedDemoKnowledge(core.db, DEMO_TENANT.slug);
      if (admin) {
        knowledgeResumed = true;
        knowledgeLoad = loadKnowledge(admin);
      }
    }
    startScoring(core); // lead scoring: rescore on events, retrain on a schedule (subscribes before the outbox starts)
    await core.outbox.start();
    const scan = setInterval(() => {
      core.followUps.emitDue().catch((err) => logger.warn({ err }, 'follow-up due scan failed'));
    }, env.FOLLOW_UP_SCAN_SECONDS * 1000);
    scan.unref();
    void core.followUps.emitDue().catch(() => 0);

    let http;
    try {
      http = await startHttpServer(core, logger, { host: env.HOST, port });
    } catch (err) {
      await booted.close();
      throw new AppError('CONFLICT', `Cannot listen on ${env.HOST}:${port}: ${(err as Error).message}. Try --port 0 or PORT=…`);
    }
    const removeServerFile = booted.ownsEmbedded ? writeRunningServer(config, { pid: process.pid, databaseUrl: core.db.url, httpUrl: http.url }) : () => {};

    out.write(
      [
        '',
        'Agentic CRM is running:',
        `  HTTP gateway     ${http.url}   (health: ${http.url}/health)`,
        `  MCP (HTTP)       ${http.url}/mcp/crm, ${http.url}/mcp/crm-data   (Authorization: Bearer <API key>)`,
        `  MCP (stdio)      npx crm mcp crm --user <email>`,
        `  Database         ${core.db.kind === 'pglite' ? `embedded PGlite in ${config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`,
        core.db.kind === 'pglite' ? `                   psql "${core.db.url}"` : '',
        '  Outbox           dispatching events; follow-up due scan every ' + env.FOLLOW_UP_SCAN_SECONDS + 's',
        knowledgeLoad
          ? `  Knowledge base   ${knowledgeResumed ? 'resuming the demo knowledge base load' : 'loading the demo documents and indexing interactions'} in the background`
          : '',
        '',
        'Press Ctrl+C to stop.',
        '',
      ]
        .filter((l) => l !== '')
        .join('\n') + '\n',
    );

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      clearInterval(scan);
      // the background knowledge load stops at its next batch (each batch is committed on its own)
      stopLoading.abort();
      await knowledgeLoad;
      await http.server.close().catch(() => {});
      await booted.close().catch(() => {});
      removeServerFile();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    return undefined;
  },
};
