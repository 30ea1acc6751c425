/**
 * Fields a client may never set, and why each is refused (mass assignment). REST and MCP refuse
 * them with these same words, so a model or an integration hears one reason whichever it uses.
 */
export const SERVER_OWNED_FIELDS: Readonly<Record<string, string>> = {
  tenantId: 'is taken from your credentials and cannot be set',
  id: 'is assigned by the server and cannot be set',
  createdAt: 'is set by the server and cannot be set',
  updatedAt: 'is set by the server and cannot be set',
  leadScore: 'is computed by lead scoring and cannot be set',
};
