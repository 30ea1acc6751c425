import type { Approval } from '@crm/core';
import { AppError } from '@crm/core/contracts';
import { z } from 'zod';
import { ListApprovals } from '../../contracts/crm-data/approvals.contract.ts';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../framework/pagination.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';
import { describeApproval } from './approval-summary.ts';

const ApprovalCursor = z.object({ createdAt: z.iso.datetime(), id: z.uuid(), q: z.string() });

export const listApprovalsTool = defineTool(ListApprovals, {
  title: 'List approvals',
  description:
    'The approval queue, newest first: actions of the assistant, workflow steps and activations waiting for a human (status "pending", the default) ' +
    'or already decided. Managers and admins see every request; sales reps the ones filed for them. Pages with nextCursor.',
  annotations: READ_ONLY,
  async handler({ cursor, limit, ...filters }, { core, actor }) {
    const q = queryFingerprint({ ...filters, limit });
    const before = cursor ? decodeCursor(cursor, ApprovalCursor) : undefined;
    if (before && before.q !== q) throw AppError.validation([{ path: 'cursor', reason: 'belongs to a different query; repeat the same arguments or omit the cursor' }]);
    const rows: Approval[] = await core.approvals.list(actor, { ...filters, limit: limit + 1, ...(before ? { before: { createdAt: before.createdAt, id: before.id } } : {}) });
    const approvals = rows.slice(0, limit);
    const last = approvals.at(-1);
    return { approvals, nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt.toISOString(), id: last.id, q }) : undefined };
  },
  summarize: (out) => (out.approvals.length ? `${out.approvals.length} approval(s)${out.nextCursor ? ' on this page' : ''}; newest: ${describeApproval(out.approvals[0])}` : 'No approvals.'),
});
