import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultDataDir } from './config.ts';
import { CRM_ENV_NAMES, configTable, envDoc, loadConfig } from './crm-config.ts';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../README.md');

describe('one configuration schema', () => {
  it('has defaults for everything: embedded database in a per-user folder, local provider, pgvector', () => {
    const c = loadConfig({ HOME: '/home/ana' });
    expect(c.database.url).toBeUndefined();
    expect(c.database.dataDir).toBe(defaultDataDir({}, process.platform));
    expect(c.modelProvider.provider).toBe('local');
    expect(c.vectorStore).toEqual({ kind: 'pgvector' });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(c.scoring.retrainHours).toBe(24);
  });

  it('reports every invalid variable at once, with its rule and an example, and never echoes a value', () => {
    let err: any;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'verbose', DATABASE_URL: 'mysql://admin:hunter2@db/crm', CRM_MODEL_PROVIDER: 'openai-compatible', CRM_VECTOR_STORE: 'pinecone' });
    } catch (e) {
      err = e;
    }
    expect(err.code).toBe('VALIDATION_FAILED');
    const paths = err.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'OPENAI_BASE_URL', 'OPENAI_CHAT_MODEL', 'OPENAI_EMBEDDING_MODEL', 'PINECONE_API_KEY', 'PINECONE_INDEX_HOST']),
    );
    expect(err.message).toMatch(/PORT: must be a whole number from 0 to 65535 \(e\.g\. PORT=3000\)/);
    expect(err.message).toMatch(/^Invalid configuration \(\d+ problems\)/);
    expect(JSON.stringify({ message: err.message, details: err.details })).not.toContain('hunter2');
  });

  it('background agents: one retrain schedule (the rescoring agent follows SCORING_RETRAIN_HOURS unless set), the digest cron or off', () => {
    expect(loadConfig({}).agents).toMatchObject({ rescoringHours: 24, digestCron: '0 7 * * 1' });
    expect(loadConfig({ SCORING_RETRAIN_HOURS: '0' }).agents.rescoringHours).toBe(0);
    expect(loadConfig({ SCORING_RETRAIN_HOURS: '6', AGENT_RESCORING_HOURS: '12' }).agents.rescoringHours).toBe(12);
    expect(loadConfig({ AGENT_DIGEST_CRON: 'off' }).agents.digestCron).toBeNull();
    expect(loadConfig({ AGENT_DIGEST_CRON: '30 8 * * 5' }).agents.digestCron).toBe('30 8 * * 5');
    expect(() => loadConfig({ AGENT_DIGEST_CRON: 'weekly' })).toThrow(/AGENT_DIGEST_CRON: must be a five-field cron expression/);
  });

  it('switches GraphiQL on with GRAPHQL_GRAPHIQL (off by default) and names the variable when the value is not a flag', () => {
    expect(loadConfig({}).httpEnv.GRAPHQL_GRAPHIQL).toBe(false);
    expect(loadConfig({ GRAPHQL_GRAPHIQL: 'true' }).httpEnv.GRAPHQL_GRAPHIQL).toBe(true);
    expect(loadConfig({ GRAPHQL_GRAPHIQL: 'no' }).httpEnv.GRAPHQL_GRAPHIQL).toBe(false);
    expect(() => loadConfig({ GRAPHQL_GRAPHIQL: 'sometimes' })).toThrow(/GRAPHQL_GRAPHIQL/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: ' ', CRM_MODEL_PROVIDER: '' }).http.port).toBe(3000);
  });

  it('KB_RERANK: the shipped default unless set; vertex needs the Vertex provider', () => {
    expect(loadConfig({}).knowledgeRerank).toBeUndefined();
    expect(loadConfig({ KB_RERANK: 'off' }).knowledgeRerank).toBe('off');
    expect(() => loadConfig({ KB_RERANK: 'vertex' })).toThrow(/KB_RERANK: vertex needs CRM_MODEL_PROVIDER=vertex/);
    expect(() => loadConfig({ KB_RERANK: 'maybe' })).toThrow(/KB_RERANK/);
    expect(loadConfig({ KB_RERANK: 'vertex', CRM_MODEL_PROVIDER: 'vertex', VERTEX_PROJECT: 'p' }).knowledgeRerank).toBe('vertex');
  });

  it('KB_FUSION_WEIGHTS: two weights, full text then vector', () => {
    expect(loadConfig({}).knowledgeFusionWeights).toBeUndefined();
    expect(loadConfig({ KB_FUSION_WEIGHTS: '0.7, 0.3' }).knowledgeFusionWeights).toEqual([0.7, 0.3]);
    expect(loadConfig({ KB_FUSION_WEIGHTS: '1,0' }).knowledgeFusionWeights).toEqual([1, 0]);
    expect(() => loadConfig({ KB_FUSION_WEIGHTS: '0.5' })).toThrow(/KB_FUSION_WEIGHTS: must be two numbers/);
    expect(() => loadConfig({ KB_FUSION_WEIGHTS: '-1,2' })).toThrow(/KB_FUSION_WEIGHTS/);
    expect(() => loadConfig({ KB_FUSION_WEIGHTS: '0,0' })).toThrow(/KB_FUSION_WEIGHTS: the two weights must not both be 0/);
  });

  it('LOGIN_MAX_FAILURES / LOGIN_LOCKOUT_MINUTES: 10 failures lock for 15 minutes unless set', () => {
    expect(loadConfig({}).login).toEqual({ maxFailures: 10, lockoutMinutes: 15 });
    expect(loadConfig({ LOGIN_MAX_FAILURES: '0', LOGIN_LOCKOUT_MINUTES: '30' }).login).toEqual({ maxFailures: 0, lockoutMinutes: 30 });
    expect(() => loadConfig({ LOGIN_LOCKOUT_MINUTES: '0' })).toThrow(/LOGIN_LOCKOUT_MINUTES: must be more than 0/);
    expect(() => loadConfig({ LOGIN_MAX_FAILURES: 'many' })).toThrow(/LOGIN_MAX_FAILURES/);
  });

  it('KB_QUERY_SYNONYMS: off unless set to on', () => {
    expect(loadConfig({}).knowledgeSynonyms).toBe(false);
    expect(loadConfig({ KB_QUERY_SYNONYMS: 'on' }).knowledgeSynonyms).toBe(true);
    expect(() => loadConfig({ KB_QUERY_SYNONYMS: 'yes' })).toThrow(/KB_QUERY_SYNONYMS/);
  });

  it('selects Pinecone with its key and host', () => {
    expect(loadConfig({ CRM_VECTOR_STORE: 'pinecone', PINECONE_API_KEY: 'k', PINECONE_INDEX_HOST: 'http://127.0.0.1:1' }).vectorStore).toEqual({
      kind: 'pinecone',
      apiKey: 'k',
      indexHost: 'http://127.0.0.1:1',
      namespacePrefix: 'tenant-',
    });
  });

  it('turns the Pub/Sub relay on with PUBSUB_TOPIC, and asks for the project when it cannot be found', () => {
    expect(loadConfig({}).pubsub).toBeUndefined();
    expect(loadConfig({ PUBSUB_TOPIC: 'crm-events', GOOGLE_CLOUD_PROJECT: 'acme', PUBSUB_EVENT_TYPES: 'contact.*, workflow.completed' }).pubsub).toEqual({
      topic: 'crm-events',
      projectId: 'acme',
      createTopic: false,
      eventTypes: ['contact.*', 'workflow.completed'],
    });
    expect(loadConfig({ PUBSUB_TOPIC: 'crm-events', PUBSUB_PROJECT_ID: 'p1', PUBSUB_EMULATOR_HOST: '127.0.0.1:8085', PUBSUB_CREATE_TOPIC: 'true' }).pubsub).toMatchObject({ projectId: 'p1', createTopic: true, emulatorHost: '127.0.0.1:8085' });
    expect(() => loadConfig({ PUBSUB_TOPIC: 'crm-events' })).toThrow(/PUBSUB_PROJECT_ID: is required when PUBSUB_TOPIC is set \(or set GOOGLE_CLOUD_PROJECT\)/);
    expect(() => loadConfig({ PUBSUB_TOPIC: '1bad topic', PUBSUB_PROJECT_ID: 'p' })).toThrow(/PUBSUB_TOPIC: must be a Pub\/Sub topic id/);
  });

  it('turns the BigQuery export on with BIGQUERY_DATASET, and names the missing or bad variable', () => {
    expect(loadConfig({}).bigquery).toBeUndefined();
    expect(loadConfig({ BIGQUERY_DATASET: 'crm_analytics', GOOGLE_CLOUD_PROJECT: 'acme-crm' }).bigquery).toEqual({ projectId: 'acme-crm', dataset: 'crm_analytics', exportMinutes: 15 });
    expect(loadConfig({ BIGQUERY_DATASET: 'crm_analytics', BIGQUERY_PROJECT: 'acme-prod', BIGQUERY_EXPORT_MINUTES: '0', BIGQUERY_API_ENDPOINT: 'http://127.0.0.1:9050/' }).bigquery).toEqual({
      projectId: 'acme-prod',
      dataset: 'crm_analytics',
      exportMinutes: 0,
      apiEndpoint: 'http://127.0.0.1:9050',
    });
    expect(() => loadConfig({ BIGQUERY_DATASET: 'crm_analytics' })).toThrow(/BIGQUERY_PROJECT: is required when BIGQUERY_DATASET is set \(or set GOOGLE_CLOUD_PROJECT\)/);
    expect(() => loadConfig({ BIGQUERY_PROJECT: 'acme-prod' })).toThrow(/BIGQUERY_DATASET: is required when BIGQUERY_PROJECT or BIGQUERY_API_ENDPOINT is set/);
    expect(() => loadConfig({ BIGQUERY_DATASET: 'crm-analytics', BIGQUERY_PROJECT: 'Acme' })).toThrow(/BIGQUERY_PROJECT: must be a Google Cloud project id.*BIGQUERY_DATASET: must be a BigQuery dataset id|BIGQUERY_DATASET: must be a BigQuery dataset id.*BIGQUERY_PROJECT: must be a Google Cloud project id/);
    expect(() => loadConfig({ BIGQUERY_DATASET: 'd', BIGQUERY_PROJECT: 'acme-prod', BIGQUERY_EXPORT_MINUTES: '1.5' })).toThrow(/BIGQUERY_EXPORT_MINUTES: must be a whole number of minutes/);
    expect(() => loadConfig({ BIGQUERY_DATASET: 'd', BIGQUERY_PROJECT: 'acme-prod', BIGQUERY_API_ENDPOINT: 'localhost' })).toThrow(/BIGQUERY_API_ENDPOINT: must be an http\(s\) URL/);
  });

  it('keeps the embedded database out of the working directory', () => {
    expect(defaultDataDir({}, 'linux', '/home/ana')).toBe('/home/ana/.local/share/agentic-crm');
    expect(defaultDataDir({ XDG_DATA_HOME: '/data' }, 'linux', '/home/ana')).toBe('/data/agentic-crm');
    expect(defaultDataDir({}, 'darwin', '/Users/ana')).toBe('/Users/ana/Library/Application Support/agentic-crm');
    expect(defaultDataDir({ LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' }, 'win32', 'C:\\Users\\ana')).toContain('agentic-crm');
    expect(loadConfig({ CRM_DATA_DIR: 'rel/dir' }).database.dataDir).toBe(path.resolve('rel/dir'));
  });

  it('documents every variable, and the README table is the generated one', () => {
    for (const name of CRM_ENV_NAMES) expect(envDoc(name)?.description, name).toBeTruthy();
    const readme = fs.readFileSync(README, 'utf8');
    const table = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme)?.[1];
    expect(table, 'README section between config-table markers (regenerate with: npx crm config table)').toBe(configTable());
  });
});
