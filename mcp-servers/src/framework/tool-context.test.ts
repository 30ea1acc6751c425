import { randomUUID } from 'node:crypto';
import type { Actor } from '@crm/core';
import { describe, expect, it } from 'vitest';
import { actorFrom, authInfoFor } from './tool-context.ts';

const actor = (role: Actor['role'] = 'SALES_REP'): Actor => ({ userId: randomUUID(), tenantId: randomUUID(), role });

describe('actorFrom', () => {
  it('prefers the transport\'s auth context over the configured actor', () => {
    const fromHttp = actor();
    expect(actorFrom({ authInfo: authInfoFor(fromHttp, 'key') }, actor('ADMIN'))).toEqual(fromHttp);
    expect(actorFrom({ authInfo: { token: '', clientId: '', scopes: [], actor: fromHttp } as never })).toEqual(fromHttp);
  });

  it('falls back to the configured actor (stdio) and refuses when there is none', () => {
    const configured = actor();
    expect(actorFrom({ authInfo: undefined }, configured)).toBe(configured);
    expect(() => actorFrom({ authInfo: undefined })).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });

  it('rejects a malformed actor instead of trusting it', () => {
    const authInfo = { token: '', clientId: '', scopes: [], extra: { actor: { userId: 'x', tenantId: 'y', role: 'ROOT' } } };
    expect(() => actorFrom({ authInfo }, actor())).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });
});
