/**
 * The moderator HTTP API (/api/moderation) from the browser: JSON in and out,
 * the session token as a Bearer header, failures as ApiFailure with the
 * server's status, code, message and Retry-After.
 */
import type { CommentPage, CommentView, LoginResponse, ModeratorView, MoodPoint, SanctionView } from '../../shared/src/moderation.js';
import { filterQuery, type CommentAction, type Filter } from './model.js';

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

const BASE = '/api/moderation';

export class ModerationApi {
  /** Called when the session is no longer valid (401 on anything but login). */
  onUnauthorized: () => void = () => undefined;

  constructor(public token: string | null = null) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(BASE + path, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
    } catch {
      throw new ApiFailure(0, 'unreachable', 'the server cannot be reached', null);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const err = (json ?? {}) as { error?: string; message?: string };
      const retry = Number(res.headers.get('retry-after'));
      const failure = new ApiFailure(res.status, err.error ?? 'error', err.message ?? `HTTP ${res.status}`, Number.isFinite(retry) && retry > 0 ? retry : null);
      if (res.status === 401 && path !== '/login') this.onUnauthorized();
      throw failure;
    }
    return json as T;
  }

  login(login: string, password: string): Promise<LoginResponse> {
    return this.call('POST', '/login', { login, password });
  }
  logout(): Promise<unknown> {
    return this.call('POST', '/logout');
  }
  me(): Promise<{ moderator: ModeratorView; expiresAt: string }> {
    return this.call('GET', '/me');
  }
  comments(filter: Filter, limit: number, cursor?: string | null): Promise<CommentPage> {
    return this.call('GET', `/comments?${filterQuery(filter, limit, cursor)}`);
  }
  act(action: CommentAction, id: string, reason?: string): Promise<{ comment: CommentView }> {
    return this.call('POST', `/comments/${encodeURIComponent(id)}/${action}`, reason ? { reason } : {});
  }
  mute(name: string, minutes: number, reason?: string): Promise<{ sanction: SanctionView }> {
    return this.call('POST', '/players/mute', { name, minutes, ...(reason ? { reason } : {}) });
  }
  ban(name: string, minutes: number, reason?: string): Promise<{ sanction: SanctionView }> {
    return this.call('POST', '/players/ban', { name, minutes, ...(reason ? { reason } : {}) });
  }
  kick(name: string, reason?: string): Promise<unknown> {
    return this.call('POST', '/players/kick', { name, ...(reason ? { reason } : {}) });
  }
  sanctions(): Promise<{ sanctions: SanctionView[] }> {
    return this.call('GET', '/sanctions');
  }
  lift(id: number): Promise<{ sanction: SanctionView }> {
    return this.call('DELETE', `/sanctions/${id}`);
  }
  mood(hours: number, bucketMinutes: number): Promise<{ points: MoodPoint[] }> {
    return this.call('GET', `/mood?hours=${hours}&bucketMinutes=${bucketMinutes}`);
  }
}
