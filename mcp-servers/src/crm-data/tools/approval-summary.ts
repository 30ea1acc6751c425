/** One line about an approval, for tool summaries. */
export const describeApproval = (a: { id: string; kind: string; status: string; summary: string; executionStatus?: string }) =>
  `Approval ${a.id} (${a.kind}) is ${a.status}${a.executionStatus && a.executionStatus !== 'none' ? `, execution ${a.executionStatus}` : ''}: ${a.summary}`;
