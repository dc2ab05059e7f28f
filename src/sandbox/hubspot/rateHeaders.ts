/**
 * HubSpot's `X-HubSpot-RateLimit-*` headers, on every answer of the non-search CRM API (search
 * answers carry none, as HubSpot's search endpoints send none): the ten-secondly window
 * (`-Interval-Milliseconds`, `-Max`, `-Remaining`), the deprecated per-second pair
 * (`-Secondly`, `-Secondly-Remaining`) and, for private-app tokens only, the daily pair
 * (`-Daily`, `-Daily-Remaining`; OAuth tokens have no daily limit). With the rate-limit knob on,
 * the window numbers are the limiter's own; with it off, HubSpot's Professional-tier limits are
 * reported and counted but never enforced. Vendor facts: docs/upstreams.md (HubSpot).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isControlPath, type RateLimitInfo } from '../common/index.ts';

/** The ten-secondly window HubSpot reports. */
export const HUBSPOT_WINDOW_MS = 10_000;
/** Requests per ten seconds reported when the rate-limit knob is off (Professional tier). */
export const HUBSPOT_DEFAULT_MAX = 190;
/** Requests per day reported to private apps (Professional tier). */
export const HUBSPOT_DAILY_LIMIT = 625_000;

/** Prefix of the OAuth access tokens the simulator issues. */
export const OAUTH_TOKEN_PREFIX = 'sim-oauth-';

const SEARCH_PATH = /^\/crm\/v3\/objects\/[^/?]+\/search(?:[/?]|$)/;

/** True for the CRM search endpoints (they send no rate-limit headers). */
export function isSearchPath(url: string): boolean {
  return SEARCH_PATH.test(url);
}

/** Records what the limiter decided for a request, so its headers report the same numbers. */
export interface RateHeaders {
  note(req: FastifyRequest, info: RateLimitInfo): void;
}

/** Install the headers hook on `app` (`now`: wall time; limits are about real request rates). */
export function installRateHeaders(app: FastifyInstance, now: () => number = Date.now): RateHeaders {
  const noted = new WeakMap<FastifyRequest, RateLimitInfo>();
  const recent = new Map<string, number[]>(); // token → answer times within the window
  const daily = new Map<string, { day: number; count: number }>();

  app.addHook('onSend', async (req, reply, payload) => {
    if (isControlPath(req.url) || req.url.startsWith('/oauth/') || isSearchPath(req.url) || reply.statusCode === 401) return payload;
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? req.ip;
    const t = now();
    const times = (recent.get(token) ?? []).filter((at) => t - at < HUBSPOT_WINDOW_MS);
    if (reply.statusCode !== 429) times.push(t);
    recent.set(token, times);
    const day = Math.floor(t / 86_400_000);
    const d = daily.get(token);
    const used = d && d.day === day ? d.count + 1 : 1;
    daily.set(token, { day, count: used });

    const info = noted.get(req);
    const max = info?.limit ?? HUBSPOT_DEFAULT_MAX;
    const remaining = info?.remaining ?? Math.max(0, max - times.length);
    const windowMs = info?.windowMs ?? HUBSPOT_WINDOW_MS;
    const secondly = Math.max(1, Math.ceil(max / (windowMs / 1000)));
    const lastSecond = times.filter((at) => t - at < 1000).length;
    void reply
      .header('x-hubspot-ratelimit-interval-milliseconds', String(windowMs))
      .header('x-hubspot-ratelimit-max', String(max))
      .header('x-hubspot-ratelimit-remaining', String(remaining))
      .header('x-hubspot-ratelimit-secondly', String(secondly))
      .header('x-hubspot-ratelimit-secondly-remaining', String(info?.remaining === 0 ? 0 : Math.max(0, secondly - lastSecond)));
    if (!token.startsWith(OAUTH_TOKEN_PREFIX)) {
      void reply.header('x-hubspot-ratelimit-daily', String(HUBSPOT_DAILY_LIMIT)).header('x-hubspot-ratelimit-daily-remaining', String(Math.max(0, HUBSPOT_DAILY_LIMIT - used)));
    }
    return payload;
  });
  return { note: (req, info) => void noted.set(req, info) };
}
