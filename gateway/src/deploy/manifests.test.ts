import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRM_ENV_NAMES, loadConfig } from '@crm/core';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/commands.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

type Obj = { kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: any; data?: Record<string, string> };

function render(overlay: string): Obj[] {
  const r = spawnSync('kubectl', ['kustomize', path.join(ROOT, 'deploy/k8s', overlay)], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
}

const podSpecs = (objs: Obj[]) =>
  objs.filter((o) => o.kind === 'Deployment' || o.kind === 'Job').map((o) => ({ name: o.metadata.name, spec: o.spec.template.spec }));

/** The GKE manifests, rendered offline with kubectl kustomize, agree with the product they deploy. */
describe.skipIf(!kubectl)('Kubernetes manifests (kubectl kustomize)', () => {
  it.each(['base', 'overlays/gke'])('%s renders; every container runs a real crm command with only variables the config schema knows', (overlay) => {
    const objs = render(overlay);
    const config = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('crm-config'))!;
    expect(config).toBeDefined();
    for (const name of Object.keys(config.data!)) expect(CRM_ENV_NAMES as string[], `ConfigMap key ${name}`).toContain(name);
    // the ConfigMap (plus a stand-in for the Secret's DATABASE_URL) is a valid configuration
    const parsed = loadConfig({ ...config.data, DATABASE_URL: 'postgresql://crm:pw@127.0.0.1:5432/crm' });
    expect(parsed.http).toMatchObject({ host: '0.0.0.0', port: 3000 });
    const pods = podSpecs(objs);
    expect(pods.map((p) => p.name).sort()).toEqual(['crm-gateway', 'crm-migrate', 'crm-worker']);
    for (const { name, spec } of pods) {
      const crm = spec.containers.find((c: { image: string }) => /agentic-crm/.test(c.image));
      expect(COMMANDS, `${name} runs crm ${crm.args[0]}`).toHaveProperty(crm.args[0]);
      expect(crm.envFrom.map((e: any) => e.configMapRef?.name ?? e.secretRef?.name)).toEqual([config.metadata.name, 'crm-secrets']);
      expect(crm.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      expect(spec.serviceAccountName).toBe('crm');
    }
    const gateway = pods.find((p) => p.name === 'crm-gateway')!.spec.containers[0];
    expect(gateway.args).toEqual(['start', '--no-seed']);
    // the gateway's node flags are ones node accepts in NODE_OPTIONS, and fit the pod's memory limit
    const nodeOptions = gateway.env.find((e: { name: string }) => e.name === 'NODE_OPTIONS').value as string;
    const heap = spawnSync(process.execPath, ['-e', 'console.log(require("v8").getHeapStatistics().heap_size_limit)'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: nodeOptions },
    });
    expect(heap.status, heap.stderr).toBe(0);
    const limitMi = Number(/^(\d+)Mi$/.exec(gateway.resources.limits.memory)![1]);
    expect(Number(heap.stdout) / 2 ** 20).toBeLessThan(limitMi - 256); // room for native memory
    expect(Number(heap.stdout) / 2 ** 20).toBeGreaterThan(1024);
    // probes hit the gateway's real unauthenticated endpoints
    expect(gateway.readinessProbe.httpGet.path).toBe('/readyz');
    expect(gateway.livenessProbe.httpGet.path).toBe('/healthz');
    const service = objs.find((o) => o.kind === 'Service' && o.metadata.name === 'crm-gateway')!;
    expect(service.spec.ports[0]).toMatchObject({ port: 80, targetPort: 'http' });
  });

  it('the GKE overlay selects Vertex AI, the Pub/Sub relay, Workload Identity and the Cloud SQL proxy, in its namespace', () => {
    const objs = render('overlays/gke');
    expect(objs.filter((o) => o.kind !== 'Namespace').every((o) => o.metadata.namespace === 'agentic-crm')).toBe(true);
    const data = objs.find((o) => o.kind === 'ConfigMap')!.data!;
    const parsed = loadConfig({ ...data, DATABASE_URL: 'postgresql://crm:pw@127.0.0.1:5432/crm' });
    expect(parsed.modelProvider.provider).toBe('vertex');
    expect(parsed.pubsub).toMatchObject({ topic: 'crm-events', projectId: data.PUBSUB_PROJECT_ID });
    expect(parsed.httpEnv.CRM_TRUST_PROXY).toContain('35.191.0.0/16');
    expect(objs.find((o) => o.kind === 'ServiceAccount')!.metadata.annotations!['iam.gke.io/gcp-service-account']).toMatch(/@.*\.iam\.gserviceaccount\.com$/);
    for (const { name, spec } of podSpecs(objs)) {
      const proxy = spec.initContainers?.find((c: { name: string }) => c.name === 'cloud-sql-proxy');
      expect(proxy, `${name} has the Cloud SQL proxy`).toBeDefined();
      expect(proxy.restartPolicy).toBe('Always'); // native sidecar: the migrate Job still completes
      expect(proxy.args).toContain('--port=5432');
    }
    const service = objs.find((o) => o.kind === 'Service')!;
    const backend = JSON.parse(service.metadata.annotations!['cloud.google.com/backend-config']).default;
    const config = objs.find((o) => o.kind === 'BackendConfig')!;
    expect(config.metadata.name).toBe(backend);
    expect(config.spec.healthCheck.requestPath).toBe('/readyz');
    expect(config.spec.timeoutSec).toBeGreaterThanOrEqual(3600); // /ws and /mcp streams
  });

  it('the Dockerfile builds the compiled command the manifests run', () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "gateway\/bin\/crm\.js"\]/);
    for (const copied of dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)) expect(fs.existsSync(path.join(ROOT, copied[1])), copied[1]).toBe(true);
  });
});
