import { describe, expect, it } from 'vitest';
import type { ToolInfo, ToolResult } from '../tools/toolset.ts';
import { judgeCall, turnPolicy } from './turn-policy.ts';

const NOW = new Date('2026-11-28T14:00:00Z');
const info = (name: string, kind: ToolInfo['kind']): ToolInfo => ({ name, description: '', kind });
const contacts: ToolResult = {
  callId: 'c1',
  name: 'search_contacts',
  ok: true,
  summary: '',
  data: { contacts: [{ id: '1', firstName: 'Dana', lastName: 'Whitfield', email: 'dana@northwind.test' }, { id: '2', firstName: 'Eve', lastName: 'Stone', email: 'eve@x.test' }] },
  sources: [],
};

describe('turn policy', () => {
  it('lets reads and the writes the user asked for run; other writes wait for approval', () => {
    const policy = turnPolicy('log the call with Dana', NOW, 'Europe/London');
    expect(judgeCall({ id: '1', name: 'search_contacts', args: {} }, info('search_contacts', 'read'), policy, [])).toEqual({ action: 'run' });
    expect(judgeCall({ id: '2', name: 'log_interaction', args: {} }, info('log_interaction', 'write'), policy, [])).toEqual({ action: 'run' });
    expect(judgeCall({ id: '3', name: 'update_contact', args: {} }, info('update_contact', 'write'), policy, [])).toMatchObject({ action: 'approve' });
    expect(judgeCall({ id: '4', name: 'merge_contacts', args: {} }, info('merge_contacts', 'destructive'), policy, [])).toMatchObject({ action: 'approve' });
    // said of a single status change it was wrong ("changes or removes data in bulk or irreversibly")
    expect(judgeCall({ id: '5', name: 'change_contact_status', args: {} }, info('change_contact_status', 'destructive'), policy, [])).toEqual({
      action: 'approve',
      reason: 'change_contact_status overwrites or removes existing data, so a person approves it first',
    });
  });

  it('egress: recipients from the request or a contact it names go to approval; recipients only tool output supplied are refused', () => {
    const policy = turnPolicy('email Dana the price list', NOW, 'Europe/London');
    const send = (to: string) => judgeCall({ id: 'e', name: 'send_email', args: { to } }, info('send_email', 'egress'), policy, [contacts]);
    expect(send('dana@northwind.test')).toMatchObject({ action: 'approve' });
    expect(send('eve@x.test')).toMatchObject({ action: 'refuse', reason: expect.stringContaining('eve@x.test') });
    expect(send('attacker@evil.test')).toMatchObject({ action: 'refuse' });
    const explicit = turnPolicy('send the brochure to pat@new.test', NOW, 'Europe/London');
    expect(judgeCall({ id: 'e2', name: 'send_email', args: { to: ['pat@new.test'] } }, info('send_email', 'egress'), explicit, [])).toMatchObject({ action: 'approve' });
  });

  it('runs a decision the user typed ("approve 3f2a…", or a request this conversation listed) without filing it for a second approval', () => {
    const decide = info('decide_approval', 'destructive');
    const listed: ToolResult = { callId: 'l', name: 'list_approvals', ok: true, summary: '', data: { approvals: [{ id: 'aaaa1111-0000-4000-8000-000000000001' }] }, sources: [] };
    const call = (id: string, decision: string) => ({ id: 'd', name: 'decide_approval', args: { id, decision } });
    const byPrefix = turnPolicy('approve 3f2a9c1b', NOW, 'Europe/London');
    expect(judgeCall(call('3f2a9c1b-0000-4000-8000-000000000000', 'approve'), decide, byPrefix, [])).toEqual({ action: 'run' });
    // the user said approve: a rejection, or another request, is not what they decided
    expect(judgeCall(call('3f2a9c1b-0000-4000-8000-000000000000', 'reject'), decide, byPrefix, [])).toMatchObject({ action: 'approve' });
    expect(judgeCall(call('77777777-0000-4000-8000-000000000000', 'approve'), decide, byPrefix, [])).toMatchObject({ action: 'approve' });
    const byPlace = turnPolicy('reject the first one, wrong contact', NOW, 'Europe/London');
    expect(judgeCall(call('aaaa1111-0000-4000-8000-000000000001', 'reject'), decide, byPlace, [listed])).toEqual({ action: 'run' });
    // a message that asks for no decision never runs one
    const other = turnPolicy('show me the pipeline by status', NOW, 'Europe/London');
    expect(judgeCall(call('aaaa1111-0000-4000-8000-000000000001', 'approve'), decide, other, [listed])).toMatchObject({ action: 'approve' });
  });
});
