import { AppError } from '../errors/app-error.ts';

export interface LoginThrottleOptions {
  /** Failed logins in a row for one email address that lock it (LOGIN_MAX_FAILURES; 0 = never). */
  maxFailures: number;
  /** How long a locked account refuses every login, the right password too (LOGIN_LOCKOUT_MINUTES). */
  lockoutMinutes: number;
  now?: () => number;
}

/** LOGIN_MAX_FAILURES / LOGIN_LOCKOUT_MINUTES when not set. */
export const DEFAULT_LOGIN_LOCKOUT = { maxFailures: 10, lockoutMinutes: 15 } as const;

const MAX_TRACKED = 10_000;

/**
 * Account lockout for password logins (POST /auth/login, the OAuth consent page): after
 * `maxFailures` wrong passwords in a row for one email address, every login for it is refused
 * with RATE_LIMIT_EXCEEDED and `retryAfter` until the lockout ends; a success resets the count. The
 * per-IP rate limit stops one client; this stops many clients guessing one account. Kept in the
 * process's memory (each gateway replica counts its own attempts), for unknown emails too, so a
 * lockout does not tell who has an account.
 */
export class LoginThrottle {
  private readonly state = new Map<string, { failures: number; lockedUntil: number }>();
  private readonly now: () => number;
  constructor(private readonly options: LoginThrottleOptions) {
    this.now = options.now ?? Date.now;
  }

  /** One count per email address, whatever tenant a login names (naming a tenant must not buy more guesses). */
  static key(email: string): string {
    return email.trim().toLowerCase();
  }

  /** Throws while the account is locked. */
  check(key: string): void {
    const s = this.state.get(key);
    if (!s || s.lockedUntil <= this.now()) return;
    const retryAfter = Math.max(1, Math.ceil((s.lockedUntil - this.now()) / 1000));
    throw new AppError('RATE_LIMIT_EXCEEDED', `Too many failed logins for this account; try again in ${Math.ceil(retryAfter / 60)} minute(s)`, {
      retryAfter,
      details: [{ path: 'email', reason: `locked after ${this.options.maxFailures} failed logins in a row` }],
    });
  }

  failed(key: string): void {
    if (this.options.maxFailures <= 0) return;
    const s = this.state.get(key) ?? { failures: 0, lockedUntil: 0 };
    if (s.lockedUntil && s.lockedUntil <= this.now()) s.lockedUntil = 0;
    s.failures++;
    if (s.failures >= this.options.maxFailures) {
      s.lockedUntil = this.now() + this.options.lockoutMinutes * 60_000;
      s.failures = 0;
    }
    this.state.delete(key); // re-insert: the map's order is the eviction order (least recent first)
    this.state.set(key, s);
    if (this.state.size > MAX_TRACKED) this.state.delete(this.state.keys().next().value!);
  }

  succeeded(key: string): void {
    this.state.delete(key);
  }
}
