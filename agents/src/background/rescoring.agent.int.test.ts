import { seedBlendFavouringLeads, testDbKinds, databaseOf } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAgentHarness, type AgentHarness } from '../testing/agent-harness.ts';
import { runRescoringAgent } from './rescoring.agent.ts';

type Scores = Map<string, number>;

describe.each(testDbKinds())('rescoring agent as the system actor, through the lead-scoring MCP tools, on %s', { timeout: 300_000 }, (kind) => {
  let h: AgentHarness;

  const scores = async (): Promise<Scores> => {
    const rows = await databaseOf(h.core.db).withTenant(h.f.tenantId, (em) => em.execute<{ id: string; lead_score: number }[]>('SELECT id, lead_score FROM contacts'));
    return new Map(rows.map((r) => [r.id, Number(r.lead_score)]));
  };
  /** The changes between two snapshots, biggest |delta| first (then id), as the agent must report them. */
  const diff = (before: Scores, after: Scores) =>
    [...after]
      .filter(([id, to]) => before.get(id) !== to)
      .map(([id, to]) => ({ contactId: id, from: before.get(id)!, to, delta: to - before.get(id)! }))
      .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.contactId.localeCompare(b.contactId));
  const clientFor = async () => h.mcpClientFactory(await h.core.users.systemActor(h.f.tenantId, { via: 'agent:rescoring' }));

  beforeAll(async () => {
    h = await openAgentHarness(kind);
    // 800 closed leads with fixed-seed custom fields and fixed relative dates (enough outcomes of each class)
    await seedBlendFavouringLeads(h.core.db, h.f.tenantId, { seed: 3 });
    // closed without any contact.status_changed audit row: the outcome dates are the contacts'
    // status_changed_at (migration 0230), which the rescores below must not move
  });
  afterAll(() => h?.close());

  it('a stop during the retrain ends it at once: the call fails with the stop\'s reason and no model is kept', async () => {
    const stop = new AbortController();
    const cancelling = async () => {
      const client = await clientFor();
      const call = client.callTool.bind(client);
      // the process starts stopping while the server trains (seconds of work for 800 leads)
      client.callTool = (params, schema, options) => {
        if (params.name === 'retrain_model') setTimeout(() => stop.abort(new Error('the process is stopping')), 300);
        return call(params, schema, options);
      };
      return client;
    };
    await expect(runRescoringAgent(cancelling, { signal: stop.signal })).rejects.toThrow('the process is stopping');
    // the server saw the cancellation: its training thread ended and nothing was stored (the next
    // test, a full run right after this one, also finds no model: v1 is the one it trains)
    const info = await (await clientFor()).callTool({ name: 'get_model_info', arguments: {} });
    expect(info.structuredContent).toMatchObject({ source: 'rules', model: null });
  });

  it('trains and activates a first model, rescores every contact and reports the exact biggest movers', async () => {
    const before = await scores();
    const report = await runRescoringAgent(clientFor);
    const after = await scores();
    const changes = diff(before, after);

    expect(report).toMatchObject({ decision: 'activated', modelVersionBefore: null, modelVersionAfter: 1, trainedVersion: 1, source: 'model', scored: before.size });
    expect(report.labelledOutcomes).toBe(800);
    expect(changes.length).toBeGreaterThan(0);
    expect(report.scoresChanged).toBe(changes.length);
    expect(report.movers.map(({ contactId, from, to, delta }) => ({ contactId, from, to, delta }))).toEqual(changes.slice(0, 5));
    // names come from get_contact (the seeded leads are "Lead <k>")
    for (const m of report.movers) expect(m.name).toMatch(/^Lead \d+$/);

    // the activation is audited as the tenant's system actor
    const system = await h.core.users.systemActor(h.f.tenantId, { via: 'agent:rescoring' });
    const audit = await h.core.audit.list(h.f.admin, { entityType: 'scoring_model' });
    expect(audit[0]).toMatchObject({ action: 'scoring_model.activated', actorId: system.userId });
  });

  it('a second run finds no new outcomes: the model stays, scores are refreshed and the report says so', async () => {
    const before = await scores();
    const report = await runRescoringAgent(clientFor);
    const after = await scores();
    expect(report).toMatchObject({ decision: 'unchanged', modelVersionBefore: 1, modelVersionAfter: 1, trainedVersion: null, scored: before.size });
    expect(report.reason).toMatch(/0 outcome\(s\) recorded since model v1 was trained/);
    expect(report.scoresChanged).toBe(diff(before, after).length);
  });
});
