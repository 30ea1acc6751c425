import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { AppError } from '../errors/app-error.ts';
import { silentLogger } from '../logger.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';
import type { Actor } from '../users/user.schema.ts';
import type { AgentAction } from './approval.schema.ts';

/**
 * Filing an agent action asks first whether its requester could run it. The MCP servers register
 * the real check (every tool's contract and precheck); here a check over the services' own
 * `checks` stands in for it, so the queue's refusal and the services' dry checks are both real.
 */
describe.each(testDbKinds())('approval pre-check on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  let other: TenantFixture;
  let mine: string;
  let theirs: string;
  const checked: { action: AgentAction; requester: Actor }[] = [];

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    f = await createTenantFixture(core);
    other = await createTenantFixture(core);
    mine = (await core.contacts.create(f.rep, { firstName: 'Dana', lastName: 'Mine', email: 'dana@mine.test', assignedTo: f.rep.userId })).id;
    theirs = (await core.contacts.create(f.manager, { firstName: 'Olga', lastName: 'Theirs', email: 'olga@theirs.test', assignedTo: f.otherRep.userId })).id;
    core.approvals.setAgentActionCheck(async (action, requester) => {
      checked.push({ action, requester });
      const { id, ...rest } = action.arguments as { id: string };
      if (action.tool === 'change_contact_status') return core.contacts.checks.changeStatus(requester, id, rest);
      if (action.tool === 'update_contact') return core.contacts.checks.update(requester, id, rest);
      if (action.tool === 'send_email') return core.email.checks.send(requester, action.arguments);
      if (action.tool === 'log_interaction') return core.interactions.checks.log(requester, action.arguments);
      if (action.tool === 'merge_contacts') return core.merge.checks.merge(requester, action.arguments);
      throw AppError.validation([{ path: 'action.tool', reason: `no tool named ${action.tool}` }]);
    });
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  const file = (actor: Actor, tool: string, args: Record<string, unknown>, key?: string) =>
    core.approvals.request(actor, { kind: 'agent_action', action: { tool, arguments: args }, summary: `${tool} for the test`, ...(key ? { idempotencyKey: key } : {}) });
  const count = async (sql: string) => Number((await t.db.withTenant(f.tenantId, (em) => em.execute<{ n: string }[]>(sql)))[0].n);
  const stored = async () => ({
    approvals: await count('SELECT count(*) AS n FROM approvals'),
    audit: await count("SELECT count(*) AS n FROM audit_log WHERE entity_type = 'approval'"),
    events: await count("SELECT count(*) AS n FROM outbox_events WHERE aggregate_type = 'approval'"),
  });

  it("refuses a rep's write on another rep's contact with PERMISSION_DENIED, and stores nothing", async () => {
    const before = await stored();
    const err = await file(f.rep, 'change_contact_status', { id: theirs, status: 'PROSPECT' }, 'forbidden-1').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: { permission: 'contacts:write' },
      message: 'SALES_REP may only write contacts assigned to themselves — change_contact_status would fail when run, so nothing was filed for approval',
    });
    await expect(file(f.rep, 'update_contact', { id: theirs, company: 'Rival' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    await expect(file(f.rep, 'send_email', { contactId: theirs, subject: 'Hi', body: 'Hello' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED', details: { permission: 'interactions:write' } });
    await expect(file(f.rep, 'merge_contacts', { primaryId: mine, duplicateId: theirs })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    // handing one's own contact to someone else is a write on their behalf too
    await expect(file(f.rep, 'update_contact', { id: mine, assignedTo: f.otherRep.userId })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(await stored()).toEqual(before);
    // the key was not used up: the same key files once the call is one the rep may make
    expect((await file(f.rep, 'change_contact_status', { id: mine, status: 'PROSPECT' }, 'forbidden-1')).status).toBe('pending');
    // and the checks changed nothing
    expect(await core.contacts.get(f.manager, theirs)).toMatchObject({ status: 'LEAD', company: null, assignedTo: f.otherRep.userId });
    expect(await core.contacts.get(f.manager, mine)).toMatchObject({ status: 'LEAD', assignedTo: f.rep.userId });
  });

  it('refuses a record that is not in the tenant with NOT_FOUND, and bad arguments with the field and reason', async () => {
    const before = await stored();
    const ghost = crypto.randomUUID();
    await expect(file(f.manager, 'change_contact_status', { id: ghost, status: 'PROSPECT' })).rejects.toMatchObject({ code: 'NOT_FOUND', details: { entity: 'Contact', id: ghost } });
    const elsewhere = (await core.contacts.create(other.manager, { firstName: 'Ann', lastName: 'Else', email: 'ann@else.test' })).id;
    await expect(file(f.admin, 'update_contact', { id: elsewhere, company: 'X' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(file(f.manager, 'change_contact_status', { id: mine, status: 'QUALIFIED' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'status' }] });
    await expect(file(f.manager, 'update_contact', { id: mine, assignedTo: crypto.randomUUID() })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'assignedTo', reason: expect.stringMatching(/^no user .* in this tenant$/) }],
    });
    await expect(file(f.manager, 'launch_rockets', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'action.tool' }] });
    expect(await stored()).toEqual(before);
  });

  it('a key filed before returns its request without asking again: a resumed turn asks after the action ran', async () => {
    const dup = (await core.contacts.create(f.manager, { firstName: 'Dana', lastName: 'Twice', email: 'dana.twice@mine.test' })).id;
    const merge = () => file(f.manager, 'merge_contacts', { primaryId: mine, duplicateId: dup }, 'resumed-merge');
    const a = await merge();
    await core.merge.merge(f.manager, { primaryId: mine, duplicateId: dup }); // what approving it did
    expect((await merge()).id).toBe(a.id);
    // a new key for the same call is a new request, and that one is checked: the duplicate is gone
    await expect(file(f.manager, 'merge_contacts', { primaryId: mine, duplicateId: dup }, 'merge-again')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses by role: a marketing manager may read contacts but not change them', async () => {
    await expect(file(f.marketing, 'change_contact_status', { id: mine, status: 'INACTIVE' })).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringMatching(/^MARKETING_MANAGER lacks the permission contacts:write/),
    });
  });

  it('files what the requester may do, checked as the user it runs as (a system actor: the user it serves)', async () => {
    const a = await file(f.rep, 'update_contact', { id: mine, company: 'Northwind' });
    expect(a).toMatchObject({ status: 'pending', requestedFor: f.rep.userId, action: { tool: 'update_contact', arguments: { id: mine, company: 'Northwind' } } });
    expect((await file(f.manager, 'change_contact_status', { id: theirs, status: 'PROSPECT' })).status).toBe('pending');

    const forRep = await core.users.systemActor(f.tenantId, { via: 'agent:follow-up', onBehalfOf: f.rep.userId });
    await expect(file(forRep, 'change_contact_status', { id: theirs, status: 'INACTIVE' })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(checked.at(-1)?.requester).toEqual({ tenantId: f.tenantId, userId: f.rep.userId, role: 'SALES_REP', kind: 'user' });
    expect((await file(forRep, 'log_interaction', { contactId: mine, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', content: 'Drafted by the agent' })).requestedFor).toBe(f.rep.userId);
  });
});
