import { AppError, DEMO_TENANT, type Actor, seedDemoKnowledge, settlesWithin, seedDemoTenant, unfinishedDemoKnowledge } from '@crm/core';
import { bootCore, processConfig, readRunningServer } from '../runtime/boot.ts';
import type { Runtime } from '../runtime/runtime.ts';
import type { Service } from '../runtime/service.ts';
import { knowledgeRefreshService } from '../runtime/knowledge-refresh.ts';
import { addAuthCache } from '../runtime/auth-cache-service.ts';
import { addEmbeddedMaintenance } from '../runtime/embedded-maintenance-service.ts';
import { addAssistantService } from '../runtime/assistant.ts';
import { addWorkflowEngine } from '../runtime/workflow-service.ts';
import { startHttpServer } from '../server.ts';
import type { Command } from './command.types.ts';
import { printDemo } from './data.commands.ts';
import { firstRunHint } from './first-run.ts';
import { phasedProgress } from './progress.ts';

/** The demo knowledge base loads in the background in short transactions; stopping pauses it (the next start resumes). */
function demoKnowledgeService(runtime: Runtime, admin: Actor, announce: (line: string) => void): Service {
  const stop = new AbortController();
  const began = performance.now();
  let load: Promise<unknown> | undefined;
  let state = 'starting';
  const { logger } = runtime;
  return {
    name: 'demo-knowledge-load',
    detail: () => state,
    async start() {
      // the server's log is the console here, so progress is logged each tenth of a phase (a bar would garble it)
      const logged = new Map<string, number>();
      const onProgress = (phase: string, done: number, total: number) => {
        state = `loading: ${phase} ${done}/${total} (search is full-text only until loaded)`;
        const tenth = total ? Math.floor((done / total) * 10) : 10;
        if ((logged.get(phase) ?? -1) >= tenth) return;
        logged.set(phase, tenth);
        logger.info({ phase, done, total }, `demo knowledge base: ${phase} ${done}/${total}`);
      };
      load = seedDemoKnowledge(runtime.core, admin, { signal: stop.signal, onProgress })
        .then((r) => {
          state = 'loaded';
          logger.info({ ...r }, 'demo knowledge base loaded');
          // the console shows warnings only (LOG_LEVEL unset): say on it that search is complete now
          announce(`Knowledge base ready: hybrid search (full text + vectors) over the demo documents and interaction history (loaded in ${Math.round((performance.now() - began) / 1000)} s)`);
        })
        .catch((err) => {
          state = stop.signal.aborted ? 'paused' : `failed: ${(err as Error).message}; the next "npx crm start" resumes it`;
          if (stop.signal.aborted) announce('Knowledge base load paused; the next "npx crm start" resumes it');
          else logger.warn({ err }, 'demo knowledge base did not finish loading; the next "npx crm start" resumes it');
        });
    },
    halt: () => stop.abort(),
    async stop() {
      stop.abort();
      await load;
    },
  };
}

/** After the database has closed, how long the requests still running get to send their (503) answers. */
const HTTP_CLOSE_AFTER_DB_MS = 500;

function parsePort(raw: unknown, fallback: number): number {
  const port = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AppError('VALIDATION_FAILED', '--port must be a number from 0 to 65535', { details: [{ path: 'port', reason: 'out of range' }] });
  }
  return port;
}

export const startCommand: Command = {
  summary: 'Migrate, seed the demo tenant on first run, and start the platform',
  usage: 'crm start [--port N] [--host ADDR] [--no-seed]',
  help: 'Serves HTTP (health, MCP over Streamable HTTP), dispatches outbox events, runs scheduled jobs once across replicas.',
  options: { port: { type: 'string' }, host: { type: 'string' }, 'no-seed': { type: 'boolean' } },
  async run({ values, logger }) {
    const out = process.stdout;
    const port = parsePort(values.port, processConfig().http.port);
    // opening (and on a first start creating and migrating) the embedded folder takes seconds, a minute on a loaded machine: say so first
    out.write(processConfig().database.url ? 'Starting Agentic CRM — connecting to the database …\n' : `Starting Agentic CRM — opening the data folder ${processConfig().database.dataDir} …\n`);
    const booted = await bootCore(logger, { server: true });
    const { runtime, config } = booted;
    const host = typeof values.host === 'string' ? values.host : config.http.host;
    const owner = !booted.ownsEmbedded && !config.database.url ? readRunningServer(config) : undefined;
    if (!booted.ownsEmbedded && !config.database.url && !owner?.command) {
      await booted.close();
      throw new AppError('CONFLICT', `crm start is already running (pid ${owner?.pid}) at ${owner?.httpUrl ?? 'unknown address'}`);
    }
    if (owner?.command) {
      // a stdio MCP server an MCP client started owns the folder: serve through it rather than wait for the client to close
      out.write(
        `Note: the embedded database is open in "${owner.command}" (pid ${owner.pid}, started by an MCP client); this server uses it through that process and takes the folder over when that process stops. ` +
          'Start "npx crm start" before the MCP client to have it own the database from the start (a stdio "crm mcp" then connects through it).\n',
      );
    }
    const { core } = runtime;
    const announce = (line: string) => void out.write(`${line}\n`);
    // first among the added services: its checkpointer set-up must not race the demo load
    addWorkflowEngine(runtime);
    // the chat assistant of REST and /ws: the configured chat model, durable threads (opened on the first turn)
    const chat = addAssistantService(runtime);
    // resolved API keys stay in memory while this process hears about key and user changes
    addAuthCache(runtime);
    // the embedded PGlite has no autovacuum: this process owns it, so it vacuums and analyses it
    addEmbeddedMaintenance(runtime);
    // Ctrl+C / SIGTERM from here on: until the server is up a stop is noted and taken once the step
    // in progress is done (the handlers are in place before anything is printed that a supervisor
    // or test might answer with a signal: a signal between the line and the handler killed the
    // process with the default action, mid-write, without closing the embedded database)
    let stopAsked: NodeJS.Signals | undefined;
    let seeding = false;
    // set once the server is up: from then on a signal stops it at once
    const up: { stop?: (signal: NodeJS.Signals) => void } = {};
    const onSignal = (signal: NodeJS.Signals) => {
      if (up.stop) return up.stop(signal);
      // Ctrl+C or SIGTERM during the seed would leave a half-made demo tenant that no later start
      // completes (the folder has a tenant, so it is not a first run any more): finish it first
      if (!stopAsked && seeding) out.write('\nStopping once the demo tenant is loaded (a few seconds)…\n');
      stopAsked = signal;
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const tenants = await core.directory.countTenants();
    let knowledge: 'loading' | 'resuming' | undefined;
    if (tenants === 0 && !values['no-seed']) {
      seeding = true;
      out.write('First run: loading the demo tenant…\n');
      const progress = phasedProgress();
      const demo = await seedDemoTenant(core, { onProgress: (done, total) => progress.report('demo records', done, total) }).finally(() => {
        progress.stop();
        seeding = false;
      });
      if (stopAsked) {
        // the knowledge base is loaded by the next start (it resumes an unfinished load)
        await booted.close().catch((err: unknown) => logger.warn({ err }, 'the runtime did not stop cleanly'));
        out.write('Demo tenant loaded. Stopped; the next "npx crm start" loads its knowledge base.\n');
        process.exit(stopAsked === 'SIGINT' ? 130 : 143);
      }
      printDemo(demo);
      // ~20,000 interactions to embed: the gateway is usable at once, search fills in as it goes
      const admin = await core.users.actorByEmail(demo.users.find((u) => u.role === 'ADMIN')!.email, demo.slug);
      runtime.addService(demoKnowledgeService(runtime, admin, announce));
      knowledge = 'loading';
    } else if (tenants === 0) {
      out.write(firstRunHint());
    } else if (!values['no-seed']) {
      // a first start stopped while the knowledge base was loading: pick up where it left off
      const admin = await unfinishedDemoKnowledge(core.db, DEMO_TENANT.slug);
      if (admin) {
        runtime.addService(demoKnowledgeService(runtime, admin, announce));
        knowledge = 'resuming';
      }
    }
    // (the demo load ends with the same refresh of its tenant; one at a time is enough)
    if (!knowledge && tenants > 0) runtime.addService(knowledgeRefreshService(runtime));
    await runtime.start();
    let http;
    try {
      http = await startHttpServer(runtime, { host, port, assistant: chat.assistant });
    } catch (err) {
      await booted.close();
      throw new AppError('CONFLICT', `Cannot listen on ${host}:${port}: ${(err as Error).message}. Try --port 0 or PORT=…`);
    }
    // owning the embedded database (now, or after taking it over from the process this one runs through): say where it is
    const removeServerFile = runtime.advertiseEmbedded({ httpUrl: http.url });
    const p = runtime.providerStatus;
    const vs = await core.knowledge.vectorSearchStatus();
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      const began = performance.now();
      logger.info({ signal }, 'stopping');
      out.write('Stopping…\n');
      // new requests get a 503 envelope from here on and idle keep-alive connections close; the services
      // stop meanwhile, then the database closes: a request still waiting for it is answered 503 then
      const httpClosed = http.server.close().catch(() => {});
      await booted.close().catch((err: unknown) => logger.warn({ err }, 'the runtime did not stop cleanly'));
      const answered = await settlesWithin(httpClosed, HTTP_CLOSE_AFTER_DB_MS);
      if (!answered) logger.warn('HTTP requests still running at exit: their connections are closed');
      removeServerFile();
      logger.info({ signal, ms: Math.round(performance.now() - began) }, 'stopped');
      out.write('Stopped.\n');
      process.exit(0);
    };
    up.stop = (signal) => void stop(signal);
    out.write(
      [
        '',
        'Agentic CRM is running:',
        `  HTTP gateway     ${http.url}   (health: ${http.url}/health)`,
        `  MCP (HTTP)       ${http.url}/mcp/crm, ${http.url}/mcp/crm-data   (Authorization: Bearer <API key>)`,
        `  MCP (stdio)      npx crm mcp crm --user <email>`,
        `  WebSocket        ${http.url.replace(/^http/, 'ws')}/ws   (subprotocol crm.v1; token: npx crm token create --role SALES_REP)`,
        `  GraphQL          ${http.url}/graphql   (subscriptions: ${http.url.replace(/^http/, 'ws')}/graphql, graphql-transport-ws${config.httpEnv.GRAPHQL_GRAPHIQL ? `; GraphiQL: ${http.url}/graphiql` : ''})`,
        `  Database         ${core.db.kind === 'pglite' ? `embedded PGlite in ${config.database.dataDir}` : 'PostgreSQL (DATABASE_URL)'}`,
        core.db.kind === 'pglite' ? `                   psql "${core.db.url}"` : '',
        `  Model provider   ${p.active}${p.status === 'degraded' ? `   (DEGRADED: configured ${p.configured}; ${p.reason})` : ''}`,
        `  Assistant        ${http.url}/api/v1/chat and /ws   (chat model: ${chat.model === 'local' ? 'local offline planner' : chat.model}; conversations kept in the database)`,
        `  Vector store     ${vs.store}${vs.available ? '' : `   (vector search unavailable: ${vs.reason}; full-text search only)`}`,
        `  Workflows        engine running (mail: ${config.workflows.SMTP_URL ? 'SMTP' : 'local mailbox — npx crm workflow mailbox'})`,
        `  Jobs             outbox dispatch; follow-up due scan every ${config.jobs.followUpScanSeconds}s` +
          (config.agents.rescoringHours > 0
            ? `; rescoring agent (retrain + rescore) every ${config.agents.rescoringHours}h`
            : config.scoring.retrainHours > 0
              ? `; lead-scoring retrain every ${config.scoring.retrainHours}h`
              : '') +
          (config.agents.followUpHours > 0 ? `; follow-up agent every ${config.agents.followUpHours}h` : '') +
          (config.agents.digestCron ? `; pipeline digest "${config.agents.digestCron}" (tenant time zone)` : '') +
          ' (once across replicas)',
        knowledge ? `  Knowledge base   ${knowledge === 'resuming' ? 'resuming the demo knowledge base load' : 'loading the demo documents and indexing interactions'} in the background` : '',
        '',
        'Press Ctrl+C to stop.',
        '',
      ]
        .filter((l) => l !== '')
        .join('\n') + '\n',
    );
    // a stop asked for while starting is taken now that the server is up
    if (stopAsked) void stop(stopAsked);
    return undefined;
  },
};
