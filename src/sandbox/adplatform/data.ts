/**
 * Seeded campaign data of the ad-platform simulator: pure functions of a random source, so the
 * same seed always yields the same campaigns (tests and benches compare against `truth`).
 */

/** One campaign as the ad platform serves it (seeds 002/004 wire shape). */
export interface Campaign {
  id: string;
  name: string;
  status: string;
  budget: number;
  impressions: number;
  clicks: number;
  conversions: number;
  created_at: string;
}

/** A campaign plus whether it was deliberately malformed (a "poison" record). */
export interface StoredCampaign {
  campaign: Campaign;
  poison: boolean;
}

const STATUSES = ['active', 'active', 'active', 'paused', 'completed'] as const;
const ADJECTIVES = ['Spring', 'Summer', 'Autumn', 'Winter', 'Launch', 'Retargeting', 'Brand', 'Holiday', 'Flash', 'Evergreen'];
const NOUNS = ['Sale', 'Awareness', 'Promo', 'Push', 'Leads', 'Traffic', 'Conversions', 'Reach', 'Video', 'Search'];
const DAY_MS = 86_400_000;

function pick<T>(rng: () => number, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)] as T;
}

/** One well-formed campaign numbered `n`, created within the 90 days before `nowMs`. */
export function generateCampaign(rng: () => number, n: number, nowMs: number): Campaign {
  const impressions = Math.floor(rng() * 100_000);
  const clicks = Math.floor(impressions * rng() * 0.08);
  const conversions = Math.floor(clicks * rng() * 0.15);
  // Budgets are whole cents, rendered as the platform does: a decimal number of currency units.
  const budgetCents = 50_000 + Math.floor(rng() * 5_000_000);
  return {
    id: `campaign_${n}`,
    name: `${pick(rng, ADJECTIVES)} ${pick(rng, NOUNS)} ${n}`,
    status: pick(rng, STATUSES),
    budget: budgetCents / 100,
    impressions,
    clicks,
    conversions,
    created_at: new Date(nowMs - Math.floor(rng() * 90 * DAY_MS)).toISOString(),
  };
}

/** Break a campaign in one of the ways a real feed does (wrong type, missing field, bad date). */
export function poisonCampaign(rng: () => number, c: Campaign): Campaign {
  const broken: Record<string, unknown> = { ...c };
  switch (Math.floor(rng() * 4)) {
    case 0:
      broken.budget = 'n/a';
      break;
    case 1:
      delete broken.name;
      break;
    case 2:
      broken.created_at = 'yesterday';
      break;
    default:
      broken.impressions = -1;
  }
  return broken as unknown as Campaign;
}

/** `count` campaigns `campaign_1..count`; a `poisonRate` share of them malformed. */
export function generateCampaigns(rng: () => number, count: number, nowMs: number, poisonRate = 0): StoredCampaign[] {
  const out: StoredCampaign[] = [];
  for (let n = 1; n <= count; n++) {
    const campaign = generateCampaign(rng, n, nowMs);
    const poison = poisonRate > 0 && rng() < poisonRate;
    out.push({ campaign: poison ? poisonCampaign(rng, campaign) : campaign, poison });
  }
  return out;
}

/** The fields a control-endpoint edit may change. */
export type CampaignEdit = Partial<Omit<Campaign, 'id'>>;

/** A copy of `c` with `edit` applied (id is never changed). */
export function applyCampaignEdit(c: Campaign, edit: CampaignEdit): Campaign {
  return { ...c, ...edit, id: c.id };
}

/** Page `page` (1-based) of `items`, with the platform's pagination block. */
export function paginate<T>(items: readonly T[], page: number, limit: number): { data: T[]; pagination: { page: number; limit: number; total: number; has_more: boolean } } {
  const start = (page - 1) * limit;
  const data = items.slice(start, start + limit);
  return { data, pagination: { page, limit, total: items.length, has_more: start + limit < items.length } };
}
