/**
 * `GET /api/campaigns` paging as the platform does it. The platform does not slice its data
 * set: it numbers the campaigns of a page from the page and limit it was asked for
 * (`(page-1)·limit + i + 1` for every i below limit) and says `has_more` while `page` is below
 * the page count at its default page size of 10, whatever limit was asked. A client that asks
 * for bigger pages and trusts `has_more` therefore walks past the end of the data set and is
 * served made-up ("phantom") campaigns; `pagination.total` is the only honest figure.
 * `honestPaging` switches to slicing the data set (has_more from the data).
 */
import type { Campaign } from './data.ts';
import { paginate } from './data.ts';
import type { AdPlatformState } from './state.ts';

/** The page size the platform assumes when `limit` is absent (and that its has_more is computed with). */
export const DEFAULT_LIMIT = 10;
// The platform has no maximum; a page this big would only stall the simulator.
const HARD_LIMIT = 10_000;

/** A list answer. */
export interface CampaignPage {
  data: Campaign[];
  pagination: { page: number; limit: number; total: number; has_more: boolean };
}

/** Paging knobs. */
export interface PagingOptions {
  /** Largest page served (the answer reports the limit it used); 0 = no maximum, as the platform. */
  maxPageSize: number;
  /** Slice the data set instead of numbering by page × limit. */
  honestPaging: boolean;
}

/** The platform's integer parsing of a query value: leading digits, and 0 or garbage means the default. */
export function intOr(value: unknown, fallback: number): number {
  const n = Number.parseInt(String(value ?? ''), 10);
  return Number.isNaN(n) || n === 0 ? fallback : n;
}

/** The answer to `GET /api/campaigns?page&limit` over `state`. */
export function pageCampaigns(state: AdPlatformState, query: { page?: unknown; limit?: unknown }, opts: PagingOptions): CampaignPage {
  const page = intOr(query.page, 1);
  let limit = Math.min(intOr(query.limit, DEFAULT_LIMIT), HARD_LIMIT);
  if (opts.maxPageSize > 0) limit = Math.min(limit, opts.maxPageSize);
  const items = state.list();
  if (opts.honestPaging) return paginate(items, Math.max(1, page), Math.max(1, limit));
  const data: Campaign[] = [];
  for (let i = 0; i < limit; i++) {
    const pos = (page - 1) * limit + i;
    data.push(pos >= 0 && pos < items.length ? (items[pos] as Campaign) : state.phantom(pos + 1));
  }
  return { data, pagination: { page, limit, total: items.length, has_more: page < Math.ceil(items.length / DEFAULT_LIMIT) } };
}
