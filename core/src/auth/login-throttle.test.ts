import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle (account lockout of password logins)', () => {
  it('locks after maxFailures in a row, for lockoutMinutes, then counts afresh', () => {
    let now = 0;
    const t = new LoginThrottle({ maxFailures: 3, lockoutMinutes: 15, now: () => now });
    const key = LoginThrottle.key(' Sam@Acme.io ');
    expect(key).toBe(LoginThrottle.key('sam@acme.io'));
    t.failed(key);
    t.failed(key);
    expect(() => t.check(key)).not.toThrow();
    t.failed(key);
    expect(() => t.check(key)).toThrow(expect.objectContaining({ code: 'RATE_LIMIT_EXCEEDED', retryAfter: 900 }));
    now += 14 * 60_000;
    expect(() => t.check(key)).toThrow(expect.objectContaining({ retryAfter: 60 }));
    now += 60_000;
    expect(() => t.check(key)).not.toThrow();
    // the count starts again after a lockout ends
    t.failed(key);
    t.failed(key);
    expect(() => t.check(key)).not.toThrow();
  });

  it('a success clears the count; other addresses are separate; 0 never locks', () => {
    const t = new LoginThrottle({ maxFailures: 2, lockoutMinutes: 1 });
    const a = LoginThrottle.key('a@x.io');
    t.failed(a);
    t.succeeded(a);
    t.failed(a);
    expect(() => t.check(a)).not.toThrow();
    t.failed(a);
    expect(() => t.check(a)).toThrow(/Too many failed logins/);
    expect(() => t.check(LoginThrottle.key('b@x.io'))).not.toThrow();
    const off = new LoginThrottle({ maxFailures: 0, lockoutMinutes: 15 });
    for (let i = 0; i < 100; i++) off.failed(a);
    expect(() => off.check(a)).not.toThrow();
  });
});
