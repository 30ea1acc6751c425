export { openTestDatabase, testDbKinds } from './test-db.ts';
export type { TestDatabase, TestDbKind } from './test-db.ts';
export { createTenantFixture } from './fixtures.ts';
export type { TenantFixture } from './fixtures.ts';
