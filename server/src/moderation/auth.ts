/**
 * Moderator accounts and sessions: scrypt password hashes, login with a
 * per-address rate limit and a per-account lockout, opaque session tokens of
 * which only the SHA-256 is stored, and expiry.
 */
import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import type { ModeratorRole, ModeratorView } from '../../../shared/src/index.js';
import type { PrismaClient } from '../db/generated/client.js';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

/** OWASP's scrypt minimum (N=2^17, r=8, p=1) costs 128 MiB; 2^15 keeps logins fast on 2 cores while still costly to brute-force offline. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keylen: 32, maxmem: 64 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT.maxmem });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return timingSafeEqual(key, expected);
}

export const loginName = z
  .string({ error: 'login is required' })
  .trim()
  .min(3, 'login must be at least 3 characters')
  .max(64, 'login must be at most 64 characters')
  .regex(/^[a-zA-Z0-9_.@-]+$/, 'login may use letters, digits and _ . @ -');
export const password = z
  .string({ error: 'password is required' })
  .min(10, 'password must be at least 10 characters')
  .max(200, 'password must be at most 200 characters');

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

export interface AuthSettings {
  sessionTtlMs: number;
  loginMaxFailures: number;
  lockoutMs: number;
  loginRatePerMinute: number;
}

export type LoginFailure = 'bad_credentials' | 'locked' | 'rate_limited';

export class LoginError extends Error {
  constructor(
    readonly code: LoginFailure,
    message: string,
    /** Seconds until trying again makes sense (locked, rate limited). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'LoginError';
  }
}

export interface AuthenticatedModerator extends ModeratorView {
  /** When the session ends. */
  expiresAt: Date;
}

export class ModeratorAuth {
  /** Login attempts per address in the current minute (in memory: per process, which is enough to slow guessing). */
  private readonly attempts = new Map<string, { windowStart: number; count: number }>();
  /** A fixed hash to verify against for unknown logins, so timing does not tell which logins exist. */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly settings: AuthSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async createModerator(login: string, plainPassword: string, role: ModeratorRole): Promise<ModeratorView> {
    const name = loginName.parse(login);
    password.parse(plainPassword);
    const created = await this.prisma.moderator.create({ data: { login: name, passwordHash: await hashPassword(plainPassword), role } });
    return { id: created.id, login: created.login, role: created.role };
  }

  async login(login: string, plainPassword: string, address: string): Promise<{ token: string; moderator: AuthenticatedModerator }> {
    this.countAttempt(address);
    const moderator = await this.prisma.moderator.findUnique({ where: { login: login.trim() } });
    if (!moderator) {
      this.dummyHash ??= hashPassword('not a real password');
      await verifyPassword(plainPassword, await this.dummyHash);
      throw new LoginError('bad_credentials', 'wrong login or password');
    }
    const now = this.now();
    if (moderator.lockedUntil && moderator.lockedUntil.getTime() > now) {
      throw new LoginError('locked', 'too many failed logins: this account is locked for a while', Math.ceil((moderator.lockedUntil.getTime() - now) / 1000));
    }
    if (!(await verifyPassword(plainPassword, moderator.passwordHash))) {
      const failures = moderator.failedLogins + 1;
      const lock = failures >= this.settings.loginMaxFailures;
      await this.prisma.moderator.update({
        where: { id: moderator.id },
        data: { failedLogins: lock ? 0 : failures, lockedUntil: lock ? new Date(now + this.settings.lockoutMs) : null },
      });
      if (lock) throw new LoginError('locked', 'too many failed logins: this account is now locked for a while', Math.ceil(this.settings.lockoutMs / 1000));
      throw new LoginError('bad_credentials', 'wrong login or password');
    }
    await this.prisma.moderator.update({ where: { id: moderator.id }, data: { failedLogins: 0, lockedUntil: null, lastLoginAt: new Date(now) } });
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now + this.settings.sessionTtlMs);
    await this.prisma.moderatorSession.create({ data: { tokenHash: sha256(token), moderatorId: moderator.id, expiresAt } });
    return { token, moderator: { id: moderator.id, login: moderator.login, role: moderator.role, expiresAt } };
  }

  /** The moderator behind a session token, or undefined when it is unknown, expired or revoked. */
  async authenticate(token: string | undefined): Promise<AuthenticatedModerator | undefined> {
    if (!token) return undefined;
    const session = await this.prisma.moderatorSession.findUnique({ where: { tokenHash: sha256(token) }, include: { moderator: true } });
    if (!session || session.revokedAt || session.expiresAt.getTime() <= this.now()) return undefined;
    const m = session.moderator;
    return { id: m.id, login: m.login, role: m.role, expiresAt: session.expiresAt };
  }

  async logout(token: string): Promise<void> {
    await this.prisma.moderatorSession.updateMany({ where: { tokenHash: sha256(token), revokedAt: null }, data: { revokedAt: new Date(this.now()) } });
  }

  private countAttempt(address: string): void {
    const now = this.now();
    const entry = this.attempts.get(address);
    if (!entry || now - entry.windowStart >= 60_000) {
      this.attempts.set(address, { windowStart: now, count: 1 });
      // Forget old windows so the map cannot grow without bound.
      if (this.attempts.size > 10_000) {
        for (const [key, value] of this.attempts) if (now - value.windowStart >= 60_000) this.attempts.delete(key);
      }
      return;
    }
    entry.count++;
    if (entry.count > this.settings.loginRatePerMinute) {
      throw new LoginError('rate_limited', 'too many login attempts from this address; wait a minute', Math.ceil((entry.windowStart + 60_000 - now) / 1000));
    }
  }
}
