import { AppError } from '@crm/core/contracts';
import { z } from 'zod';
import { ListFollowUps } from '../../contracts/crm-data/activities.contract.ts';
import { decodeCursor, encodeCursor, queryFingerprint } from '../../framework/pagination.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

const FollowUpCursor = z.object({ dueAt: z.iso.datetime(), id: z.uuid(), q: z.string() });

export const listFollowUpsTool = defineTool(ListFollowUps, {
  title: 'List follow-ups',
  description:
    'Follow-up tasks, earliest due first. scope "due" (default cut-off: end of today), "overdue", "open" (default), "done" or "all"; ' +
    'optionally for one owner or one contact. Sales reps see only their own. Pages with nextCursor.',
  annotations: READ_ONLY,
  async handler({ cursor, limit, ...filters }, { core, actor }) {
    const q = queryFingerprint({ ...filters, limit });
    const after = cursor ? decodeCursor(cursor, FollowUpCursor) : undefined;
    if (after && after.q !== q) throw AppError.validation([{ path: 'cursor', reason: 'belongs to a different query; repeat the same arguments or omit the cursor' }]);
    const rows = await core.followUps.list(actor, {
      ...filters,
      limit: limit + 1,
      ...(after ? { after: { dueAt: after.dueAt, id: after.id } } : {}),
    });
    const followUps = rows.slice(0, limit);
    const last = followUps.at(-1);
    return {
      followUps,
      nextCursor: rows.length > limit && last ? encodeCursor({ dueAt: last.dueAt.toISOString(), id: last.id, q }) : undefined,
    };
  },
  summarize: (out) =>
    out.followUps.length
      ? `${out.followUps.length} follow-up(s)${out.nextCursor ? ' on this page' : ''}; first due ${out.followUps[0].dueAt.slice(0, 10)}: ${out.followUps[0].title}`
      : 'No follow-ups.',
});
