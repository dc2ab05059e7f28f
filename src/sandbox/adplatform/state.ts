/**
 * The ad-platform simulator's world: the seeded campaigns (rebuilt when `records`, `seed` or
 * `poisonRate` change), edits made through the control endpoints, and per-campaign counts of
 * `POST /api/campaigns/:id/sync` calls.
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
  recordSync(id: string): void;
  truth(tokensIssued: number): AdPlatformTruth;
  /** Forget sync counts. */
  resetSyncCalls(): void;
}

/** A store seeded with `records` campaigns created in the 90 days before `now()`. */
export function createAdPlatformState(opts: { seed: number; records: number; poisonRate: number; now: () => number }): AdPlatformState {
  const rng = createRng(opts.seed);
  const addRng = rng.fork('added');
  const items: StoredCampaign[] = generateCampaigns(rng.fork('campaigns').next, opts.records, opts.now(), opts.poisonRate);
  const byId = new Map(items.map((s) => [s.campaign.id, s]));
  let syncCalls = new Map<string, number>();
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
    recordSync(id) {
      syncCalls.set(id, (syncCalls.get(id) ?? 0) + 1);
    },
    truth: (tokensIssued) => ({
      campaigns: items.map((s) => s.campaign),
      poisonIds: items.filter((s) => s.poison).map((s) => s.campaign.id),
      syncCalls: Object.fromEntries(syncCalls),
      syncedCampaigns: syncCalls.size,
      tokensIssued,
    }),
    resetSyncCalls() {
      syncCalls = new Map();
    },
  };
}
