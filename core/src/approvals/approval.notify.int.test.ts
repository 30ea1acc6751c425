import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createSmtpTransport } from '../mail/mail.transport.ts';
import { createTenantFixture, openTestDatabase, startSmtpSink, testDbKinds, type SmtpSink, type TenantFixture, type TestDatabase } from '../testing/index.ts';

const draft = (key: string) => ({
  kind: 'agent_action' as const,
  action: { tool: 'send_email', arguments: { contactId: '00000000-0000-4000-8000-000000000001', subject: 'Checking in' } },
  summary: 'Follow up with Dana about the renewal quote',
  risk: 'high' as const,
  idempotencyKey: key,
});

describe.each(testDbKinds())('approval requests are emailed to their approvers on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let replica: CrmCore;
  let f: TenantFixture;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false }, approvals: { publicUrl: 'https://crm.example.com/' } });
    // a second process over the same database, as a second replica would be (same configuration:
    // whichever dispatcher claims the event sends the mail)
    replica = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false }, approvals: { publicUrl: 'https://crm.example.com/' } });
    f = await createTenantFixture(core);
  });
  afterAll(async () => {
    await core.outbox.stop();
    await replica.outbox.stop();
    await t.drop();
  });

  const mailbox = (approvalId: string) =>
    t.db.withTenant(f.tenantId, (em) =>
      em.execute<{ to_address: string; subject: string; body: string }[]>(
        'SELECT to_address, subject, body FROM mailbox_messages WHERE idempotency_key LIKE ? ORDER BY to_address',
        [`approval-requested:${approvalId}:%`],
      ),
    );
  const local = (address: string) => address.split('@')[0];

  it("mails an assistant's action once to every manager and admin and to the rep it was filed for, naming action, requester, reason and how to decide", async () => {
    const a = await core.approvals.request(f.rep, draft('notify-mailbox'));
    await Promise.all([core.outbox.drain(), replica.outbox.drain()]);
    await core.outbox.drain();
    const mails = await mailbox(a.id);
    // the other rep may not decide it; everyone who may is mailed exactly once
    expect(mails.map((m) => local(m.to_address))).toEqual(['admin', 'manager', 'marketing', 'rep']);
    const m = mails[0];
    expect(m.subject).toBe('Approval needed (high risk): Follow up with Dana about the renewal quote');
    expect(m.body).toContain('run the tool send_email');
    expect(m.body).toMatch(/Requested: +by rep <rep@/);
    expect(m.body).toContain('Reason:     Follow up with Dana about the renewal quote');
    expect(m.body).toContain(`crm approvals approve ${a.id} --reason`);
    expect(m.body).toContain(`POST https://crm.example.com/api/v1/approvals/${a.id}/decision`);
    // filing the same request again is the same request: nothing new is mailed
    await core.approvals.request(f.rep, draft('notify-mailbox'));
    await core.outbox.drain();
    expect(await mailbox(a.id)).toHaveLength(4);
  });

  it('sends each approver one message over real SMTP even when two replicas dispatch', async () => {
    const sink: SmtpSink = await startSmtpSink();
    const smtp = createSmtpTransport(sink.url);
    try {
      for (const c of [core, replica]) c.email.setDelivery(() => ({ mail: smtp, from: 'CRM <crm@crm.local>' }));
      const a = await core.approvals.request(f.manager, { ...draft('notify-smtp'), summary: 'Send the Q3 price list' });
      await Promise.all([core.outbox.drain(), replica.outbox.drain()]);
      await Promise.all([core.outbox.drain(), replica.outbox.drain()]);
      const mine = sink.received.filter((raw) => raw.includes('Send the Q3 price list'));
      // filed by a manager for themselves: admin, manager, marketing (a rep decides only their own)
      expect(mine.map((raw) => /^To: (\S+)/m.exec(raw)?.[1]?.split('@')[0]).sort()).toEqual(['admin', 'manager', 'marketing']);
      expect(mine[0]).toMatch(/^Subject: Approval needed \(high risk\): Send the Q3 price list/m);
      // long headers are folded on the wire: unfold before looking for the request's key
      expect(mine[0].replace(/\r?\n[ \t]+/g, ' ')).toMatch(new RegExp(`^X-Idempotency-Key: ?approval-requested: ?${a.id}:`, 'm'));
      expect(mine[0]).toContain('Reason:     Send the Q3 price list');
    } finally {
      for (const c of [core, replica]) c.email.setDelivery(() => ({ mail: { kind: 'mailbox', send: () => Promise.reject(new Error('not in this test')) }, from: 'x' }));
      smtp.close();
      await sink.close();
    }
  });

  it('sends nothing when the tenant turned approval emails off, and mails again once it is back on', async () => {
    const { createMailboxTransport } = await import('../mail/mail.transport.ts');
    for (const c of [core, replica]) c.email.setDelivery(() => ({ mail: createMailboxTransport(t.db), from: 'CRM <crm@crm.local>' }));
    expect(await core.tenantSettings.update(f.admin, { approvalRequestEmails: false })).toMatchObject({ approvalRequestEmails: false });
    const off = await core.approvals.request(f.rep, draft('notify-off'));
    await core.outbox.drain();
    expect(await mailbox(off.id)).toEqual([]);
    await core.tenantSettings.update(f.admin, { approvalRequestEmails: true });
    const on = await core.approvals.request(f.rep, draft('notify-on'));
    await core.outbox.drain();
    expect(await mailbox(on.id)).toHaveLength(4);
    await expect(core.tenantSettings.update(f.admin, { approvalRequestEmails: 'no' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(core.tenantSettings.update(f.manager, { approvalRequestEmails: false })).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
  });

  it("mails a background agent's draft only to the person it was filed for (QA round 5: each follow-up draft also went to every admin and manager)", async () => {
    const agentForRep = await core.users.systemActor(f.tenantId, { via: 'agent:follow-up', onBehalfOf: f.rep.userId });
    const a = await core.approvals.request(agentForRep, { ...draft('notify-agent-rep'), risk: 'low' as const });
    await core.outbox.drain();
    const mails = await mailbox(a.id);
    expect(mails.map((m) => local(m.to_address))).toEqual(['rep']);
    expect(mails[0].body).toMatch(/Requested: +by system \(agent:follow-up\) on behalf of rep <rep@/);
    // the managers still decide it: it is in their queue, only not in their inbox
    expect((await core.approvals.list(f.manager, { status: 'pending' })).map((x) => x.id)).toContain(a.id);
    // filed for a manager-owned contact: that manager only
    const agentForManager = await core.users.systemActor(f.tenantId, { via: 'agent:follow-up', onBehalfOf: f.manager.userId });
    const b = await core.approvals.request(agentForManager, { ...draft('notify-agent-manager'), risk: 'low' as const });
    await core.outbox.drain();
    expect((await mailbox(b.id)).map((m) => local(m.to_address))).toEqual(['manager']);
  });

  it('does not mail the requester of a workflow activation (they may not approve it)', async () => {
    const a = await core.approvals.request(f.marketing, {
      kind: 'workflow_activation',
      action: { workflowId: '00000000-0000-4000-8000-000000000002', version: 1 },
      summary: 'Activate the welcome journey',
      risk: 'medium',
      subject: { type: 'workflow', id: '00000000-0000-4000-8000-000000000002' },
      idempotencyKey: 'notify-activation',
    });
    await core.outbox.drain();
    expect((await mailbox(a.id)).map((m) => local(m.to_address))).toEqual(['admin', 'manager']);
  });
});
