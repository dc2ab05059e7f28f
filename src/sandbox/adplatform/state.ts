/**
 * The ad-platform simulator's world: the seeded campaigns (rebuilt when `records`, `seed` or
 * `poisonRate` change), edits made through the control endpoints, per-campaign counts of
 * `POST /api/campaigns/:id/sync` calls, and the "phantom" campaigns: ids outside the data set
 * that the platform's paging makes up and whose sync it accepts all the same.
 */
import { createRng } from '../common/index.ts';
import { applyCampaignEdit, generateCampaign, generateCampaigns, type Campaign, type CampaignEdit, type StoredCampaign } from './data.ts';

/** Ground truth served at `GET /__sandbox/truth`. */
export interface AdPlatformTruth {
  /** Every campaign, in list order, exactly as the list endpoint serves it. */
  campaigns: Campaign[];
  /** Ids of deliberately malformed campaigns. */
  poisonIds: string[];
  /** `POST /api/campaigns/:id/sync` calls that reached the platform, per campaign id. */
  syncCalls: Record<string, number>;
  /** Campaigns synced at least once. */
  syncedCampaigns: number;
  /** Ids outside the data set the list endpoint made up (page × limit past the end), in first-served order. */
  phantomServed: string[];
  /** Sync calls for ids outside the data set (the platform accepts any id), per id. */
  phantomSyncs: Record<string, number>;
  /** `GET /api/campaigns` calls that passed auth and the rate limit (the platform's fault counter). */
  listCalls: number;
  /** Tokens issued by `POST /auth/token`. */
  tokensIssued: number;
}

/** Mutable campaign store. */
export interface AdPlatformState {
  list(): Campaign[];
  get(id: string): Campaign | undefined;
  /** Apply an edit; undefined when the id is unknown. */
  edit(id: string, edit: CampaignEdit): Campaign | undefined;
  /** Append a new generated campaign (fields from `edit` win). */
  add(edit?: CampaignEdit): Campaign;
  /** Remove a campaign; false when the id is unknown. */
  remove(id: string): boolean;
  /** The made-up campaign numbered `n` (deterministic per seed), recorded as served. */
  phantom(n: number): Campaign;
  /** Count a sync call (in `syncCalls` for a known id, `phantomSyncs` otherwise). */
  recordSync(id: string): void;
  /** Count a list call that passed auth and the rate limit; returns the count so far. */
  countListCall(): number;
  truth(tokensIssued: number): AdPlatformTruth;
  /** Forget sync counts, phantoms served and the list-call counter. */
  resetSyncCalls(): void;
}

/** A store seeded with `records` campaigns created in the 90 days before `now()`. */
export function createAdPlatformState(opts: { seed: number; records: number; poisonRate: number; now: () => number }): AdPlatformState {
  const rng = createRng(opts.seed);
  const addRng = rng.fork('added');
  const items: StoredCampaign[] = generateCampaigns(rng.fork('campaigns').next, opts.records, opts.now(), opts.poisonRate);
  const byId = new Map(items.map((s) => [s.campaign.id, s]));
  const bornAt = opts.now();
  let syncCalls = new Map<string, number>();
  let phantomSyncs = new Map<string, number>();
  let phantomServed = new Set<string>();
  let listCalls = 0;
  let nextN = items.length + 1;

  return {
    list: () => items.map((s) => s.campaign),
    get: (id) => byId.get(id)?.campaign,
    edit(id, edit) {
      const stored = byId.get(id);
      if (!stored) return undefined;
      stored.campaign = applyCampaignEdit(stored.campaign, edit);
      return stored.campaign;
    },
    add(edit = {}) {
      const fresh = { ...generateCampaign(addRng.next, nextN++, opts.now()), created_at: new Date(opts.now()).toISOString() };
      const campaign = applyCampaignEdit(fresh, edit);
      const stored = { campaign, poison: false };
      items.push(stored);
      byId.set(campaign.id, stored);
      return campaign;
    },
    remove(id) {
      const stored = byId.get(id);
      if (!stored) return false;
      byId.delete(id);
      items.splice(items.indexOf(stored), 1);
      return true;
    },
    phantom(n) {
      const campaign = generateCampaign(rng.fork(`phantom:${n}`).next, n, bornAt);
      if (!byId.has(campaign.id)) phantomServed.add(campaign.id);
      return campaign;
    },
    recordSync(id) {
      const counts = byId.has(id) ? syncCalls : phantomSyncs;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    },
    countListCall: () => ++listCalls,
    truth: (tokensIssued) => ({
      campaigns: items.map((s) => s.campaign),
      poisonIds: items.filter((s) => s.poison).map((s) => s.campaign.id),
      syncCalls: Object.fromEntries(syncCalls),
      syncedCampaigns: syncCalls.size,
      phantomServed: [...phantomServed],
      phantomSyncs: Object.fromEntries(phantomSyncs),
      listCalls,
      tokensIssued,
    }),
    resetSyncCalls() {
      syncCalls = new Map();
      phantomSyncs = new Map();
      phantomServed = new Set();
      listCalls = 0;
    },
  };
}
