/**
 * HubSpot CRM objects → unified rows (pure). Deals become payments, contacts become contacts.
 * HubSpot sends every property as a string; amounts are parsed exactly (src/connectors/money.ts).
 *
 * Decisions: a deal without `deal_currency_code` is in the portal's company currency, which the
 * API does not repeat on each deal — it comes from the connector's `defaultCurrency` (USD unless
 * configured). A blank `amount` is HubSpot's "no amount" and counts as 0; a non-numeric,
 * negative or over-precise one ("12,34x", "-5", "1.234" USD) is a poison record (ZodError on
 * `properties.amount`).
 *
 * Archived records (listed with `archived=true`: HubSpot's delete moves a record to the recycle
 * bin) normalize to their row marked deleted at `archivedAt`. Archiving does not move HubSpot's
 * last-modified time, so an archived state is versioned by `archivedAt` and ordered after a live
 * state of the same millisecond (the ':archived' suffix); a record restored from the recycle bin
 * is modified again, which orders it after the archive.
 */
import { z } from 'zod';
import { NormalizeError, type ContactRow, type PaymentRow, type UnifiedRecord } from '../contract.ts';
import { MoneyFormatError, minorUnitExponent, parseDecimalToMinor } from '../money.ts';
import { timestampSchema } from '../timestamps.ts';
import { timeVersion } from '../versions.ts';
import { dealStatus, isClosedStage } from './statusMap.ts';

const optionalText = z.string().nullable().optional();

// HubSpot's last-modified time orders the states of a record (null when it sends none).
const versionOf = (modifiedAt: string | null | undefined): string | null => (modifiedAt ? timeVersion(modifiedAt) : null);

type Archivable = { archived?: boolean | undefined; archivedAt?: string | null | undefined; updatedAt?: string | null | undefined };

// The deletion state and version of a record: live ones keep the version of their last modification.
function deletion(r: Archivable, modifiedVersion: string | null): { deleted?: true; deletedAt?: string | null; sourceVersion: string | null } {
  if (r.archived !== true) return { sourceVersion: modifiedVersion };
  const at = r.archivedAt ?? r.updatedAt ?? null;
  const archived = at ? `${timeVersion(at)}:archived` : null;
  const newest = archived && (modifiedVersion === null || archived > modifiedVersion) ? archived : modifiedVersion;
  return { deleted: true, deletedAt: at, sourceVersion: newest };
}
const optionalTimestamp = timestampSchema.nullable().optional();
const currency = z.string().regex(/^[A-Za-z]{3}$/, { message: 'expected a 3-letter ISO currency code' });

/** A HubSpot deal (CRM v3 object). */
export const dealSchema = z.object({
  id: z.string().min(1),
  properties: z.object({
    amount: optionalText,
    dealstage: z.string().min(1),
    closedate: optionalTimestamp,
    createdate: optionalTimestamp,
    hs_lastmodifieddate: optionalTimestamp,
    deal_currency_code: currency.nullable().optional(),
  }),
  createdAt: optionalTimestamp,
  updatedAt: optionalTimestamp,
  archived: z.boolean().optional(),
  archivedAt: optionalTimestamp,
});

/** A HubSpot contact (CRM v3 object). */
export const contactSchema = z.object({
  id: z.string().min(1),
  properties: z.object({
    email: z.union([z.literal(''), z.string().regex(/^[^@\s]+@[^@\s]+$/, { message: 'expected an e-mail address' })]).nullable().optional(),
    firstname: optionalText,
    lastname: optionalText,
    phone: optionalText,
    company: optionalText,
    lifecyclestage: optionalText,
    createdate: optionalTimestamp,
    lastmodifieddate: optionalTimestamp,
  }),
  updatedAt: optionalTimestamp,
  archived: z.boolean().optional(),
  archivedAt: optionalTimestamp,
});

/** A normalizer bound to the portal's default currency. */
export function createHubspotNormalizer(opts: { defaultCurrency?: string } = {}) {
  const defaultCurrency = (opts.defaultCurrency ?? 'USD').toUpperCase();

  const dealRow = dealSchema.transform((d, ctx): PaymentRow => {
    const p = d.properties;
    const cur = (p.deal_currency_code ?? defaultCurrency).toUpperCase();
    let amount = 0n;
    try {
      if (p.amount !== null && p.amount !== undefined && p.amount.trim() !== '') amount = parseDecimalToMinor(p.amount, minorUnitExponent(cur));
    } catch (err) {
      if (!(err instanceof MoneyFormatError)) throw err;
      ctx.addIssue({ code: 'custom', path: ['properties', 'amount'], message: err.message, input: p.amount });
      return z.NEVER;
    }
    const created = p.createdate ?? d.createdAt;
    const occurredAt = (isClosedStage(p.dealstage) ? (p.closedate ?? created) : created) ?? null;
    if (occurredAt === null) {
      ctx.addIssue({ code: 'custom', path: ['properties', 'createdate'], message: 'deal has no createdate (nor closedate when closed)', input: p.createdate });
      return z.NEVER;
    }
    return {
      source: 'hubspot',
      externalId: d.id,
      kind: 'charge',
      status: dealStatus(p.dealstage),
      rawStatus: p.dealstage,
      amountCents: amount.toString(),
      refundedCents: '0',
      currency: cur,
      occurredAt,
      customerRef: null,
      parentExternalId: null,
      sourceUpdatedAt: p.hs_lastmodifieddate ?? d.updatedAt ?? null,
      ...deletion(d, versionOf(p.hs_lastmodifieddate ?? d.updatedAt)),
    };
  });

  const contactRow = contactSchema.transform((c): ContactRow => ({
    source: 'hubspot',
    externalId: c.id,
    email: c.properties.email || null,
    firstName: c.properties.firstname ?? null,
    lastName: c.properties.lastname ?? null,
    phone: c.properties.phone ?? null,
    company: c.properties.company ?? null,
    lifecycleStage: c.properties.lifecyclestage ?? null,
    sourceUpdatedAt: c.properties.lastmodifieddate ?? c.updatedAt ?? null,
    ...deletion(c, versionOf(c.properties.lastmodifieddate ?? c.updatedAt)),
  }));

  /** Normalize one HubSpot record; throws ZodError naming the field for a malformed one. */
  function normalize(entity: string, payload: unknown): UnifiedRecord[] {
    if (entity === 'deal') return [{ table: 'payments', row: dealRow.parse(payload) }];
    if (entity === 'contact') return [{ table: 'contacts', row: contactRow.parse(payload) }];
    throw new NormalizeError(`hubspot: unknown entity ${JSON.stringify(entity)}`);
  }

  /** A deal stage the allow-list does not map (null when mapped or unreadable). */
  function unmappedStatus(entity: string, payload: unknown): string | null {
    if (entity !== 'deal') return null;
    const parsed = dealSchema.safeParse(payload);
    if (!parsed.success) return null;
    const stage = parsed.data.properties.dealstage;
    return dealStatus(stage) === 'UNKNOWN' ? stage : null;
  }

  return { normalize, unmappedStatus };
}
