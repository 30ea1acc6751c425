import { createCrmCore, silentLogger, type CrmCore } from '@crm/core';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDatabase, type TestDbKind } from '@crm/core/testing';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import { app } from '../../app.ts';
import { DEFAULT_HTTP_SECURITY, type HttpSecurityOptions } from '../http.config.ts';
import { httpServerOptions } from '../http-security.ts';

export type Who = keyof TenantFixture['apiKeys'];

export interface RestHarness {
  t: TestDatabase;
  core: CrmCore;
  a: TenantFixture;
  b: TenantFixture;
  server: FastifyInstance;
  /** Every route the gateway registered (method + url), for the OpenAPI check. */
  routes: { method: string; url: string }[];
  call(who: Who | null, method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>, tenant?: TenantFixture): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** A gateway over a real database with two tenants (one user of every role each), driven by app.inject. */
export async function openRestHarness(kind: TestDbKind, http: Partial<HttpSecurityOptions> = {}): Promise<RestHarness> {
  const t = await openTestDatabase(kind);
  const core = createCrmCore({ db: t.db, logger: silentLogger() });
  const a = await createTenantFixture(core);
  const b = await createTenantFixture(core);
  const options = { ...DEFAULT_HTTP_SECURITY, rateLimit: { perKey: 100_000, perTenant: 100_000, windowMs: 60_000 }, ...http };
  const server = Fastify(httpServerOptions(options));
  const routes: { method: string; url: string }[] = [];
  server.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) routes.push({ method: String(m), url: r.url });
  });
  await server.register(app, { core, version: 'test', http: options });
  await server.ready();
  return {
    t,
    core,
    a,
    b,
    server,
    routes,
    call: (who, method, url, body, headers = {}, tenant = a) =>
      server.inject({
        method,
        url,
        headers: { ...(who ? { authorization: `Bearer ${tenant.apiKeys[who]}` } : {}), ...headers },
        ...(body === undefined ? {} : { payload: body as InjectOptions['payload'] }),
      }),
    async close() {
      await server.close();
      await core.outbox.stop();
      await t.drop();
    },
  };
}

export const contactBody = (n: string | number) => ({ firstName: 'Test', lastName: `Person ${n}`, email: `person${n}-${Math.random().toString(36).slice(2, 8)}@example.com` });

export const workflowBody = (name = `wf ${Math.random().toString(36).slice(2, 8)}`) => ({
  name,
  trigger: { type: 'MANUAL' },
  steps: [{ id: 'task', name: 'Call', type: 'CREATE_TASK', config: { title: 'Call {{contact.firstName}}' } }],
});

/** A schema of the OpenAPI document with its `$ref` into `components.schemas` followed (named schemas: Contact, …). */
export function derefSchema<T = Record<string, unknown>>(doc: { components?: { schemas?: Record<string, unknown> } }, schema: unknown): T {
  const ref = (schema as { $ref?: unknown } | undefined)?.$ref;
  if (typeof ref !== 'string') return schema as T;
  const name = ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!ref.startsWith('#/components/schemas/') || !target) throw new Error(`the document has no schema at ${ref}`);
  return derefSchema<T>(doc, target);
}
