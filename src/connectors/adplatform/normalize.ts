/**
 * Ad-platform records → unified rows (pure). Entities:
 * - 'campaign': a campaign as listed (budget: a number of currency units, parsed exactly);
 * - 'campaign_sync': `{campaign_id, synced_at}` after a successful `POST /api/campaigns/:id/sync`;
 * - 'campaign_sync_failed': `{campaign_id, error, failed_at}` for a sync call that failed after
 *   its retries — kept in the outbox as the durable trace; it normalizes to nothing.
 */
import { z } from 'zod';
import { NormalizeError, type CampaignRow, type UnifiedRecord } from '../contract.ts';
import { MoneyFormatError, numberToMinor, parseDecimalToMinor } from '../money.ts';
import { timestampSchema } from '../timestamps.ts';

// The platform reports budgets without a currency; they are treated as 2-decimal units.
const BUDGET_EXPONENT = 2;
const count = z.number().int().nonnegative();

/** A campaign as `GET /api/campaigns` serves it. */
export const campaignSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  status: z.string().min(1),
  budget: z.union([z.number(), z.string()]).transform((b, ctx) => {
    try {
      return (typeof b === 'number' ? numberToMinor(b, BUDGET_EXPONENT) : parseDecimalToMinor(b, BUDGET_EXPONENT)).toString();
    } catch (err) {
      if (!(err instanceof MoneyFormatError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message, input: b });
      return z.NEVER;
    }
  }),
  impressions: count,
  clicks: count,
  conversions: count,
  created_at: timestampSchema,
});

/** A successful sync call. */
export const campaignSyncSchema = z.object({ campaign_id: z.string().min(1), synced_at: timestampSchema });

/** A sync call that failed after retries. */
export const campaignSyncFailedSchema = z.object({ campaign_id: z.string().min(1), error: z.string(), failed_at: timestampSchema });

/** Normalize one ad-platform record; throws ZodError naming the field for a malformed one. */
export function normalizeAdplatform(entity: string, payload: unknown): UnifiedRecord[] {
  switch (entity) {
    case 'campaign': {
      const c = campaignSchema.parse(payload);
      const row: CampaignRow = {
        source: 'adplatform',
        externalId: c.id,
        name: c.name,
        status: c.status,
        budgetCents: c.budget,
        impressions: c.impressions,
        clicks: c.clicks,
        conversions: c.conversions,
        createdAt: c.created_at,
      };
      return [{ table: 'campaigns', row }];
    }
    case 'campaign_sync': {
      const s = campaignSyncSchema.parse(payload);
      return [{ table: 'campaign_syncs', row: { source: 'adplatform', externalId: s.campaign_id, syncedAt: s.synced_at } }];
    }
    case 'campaign_sync_failed':
      campaignSyncFailedSchema.parse(payload);
      return [];
    default:
      throw new NormalizeError(`adplatform: unknown entity ${JSON.stringify(entity)}`);
  }
}
