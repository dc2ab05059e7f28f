/**
 * HubSpot CRM v3 write calls, as `@hubspot/api-client`'s `basicApi.update` / `basicApi.archive`
 * send them: `PATCH /crm/v3/objects/{type}/{id}` `{ properties }` sets property values (HubSpot
 * validates each one and answers 400 VALIDATION_ERROR listing the bad ones) and bumps the
 * modified date; `DELETE /crm/v3/objects/{type}/{id}` archives (204, also for an id that does not
 * exist or is already archived, as HubSpot answers). Archived records leave list, search and get,
 * and are read with `archived=true`. Vendor facts: docs/upstreams.md (HubSpot).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SimClock } from '../common/index.ts';
import { CUSTOM_STAGES, OPEN_STAGES, type ObjectType } from './data.ts';
import { sendHubspotError } from './errors.ts';
import { renderRecord } from './routes.ts';
import type { HubspotState } from './state.ts';

/** What the write routes need from the simulator. */
export interface HubspotWriteDeps {
  /** The world of the portal the request acts as. */
  world: (req: FastifyRequest) => HubspotState;
  clock: SimClock;
}

type Kind = 'text' | 'number' | 'datetime' | 'email' | { options: readonly string[] };

const LIFECYCLE = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'];
// Properties of the default portal a private app may write, with the type HubSpot checks values against.
const WRITABLE: Record<ObjectType, Record<string, Kind>> = {
  deals: {
    amount: 'number',
    closedate: 'datetime',
    dealname: 'text',
    dealstage: { options: ['closedwon', 'closedlost', ...OPEN_STAGES, ...CUSTOM_STAGES] },
    deal_currency_code: 'text',
    dealtype: { options: ['newbusiness', 'existingbusiness'] },
    description: 'text',
    hubspot_owner_id: 'text',
    pipeline: { options: ['default'] },
  },
  contacts: {
    company: 'text',
    email: 'email',
    firstname: 'text',
    hubspot_owner_id: 'text',
    jobtitle: 'text',
    lastname: 'text',
    lifecyclestage: { options: LIFECYCLE },
    phone: 'text',
    website: 'text',
  },
};
// Set by HubSpot itself; a write is refused with READ_ONLY_VALUE.
const READ_ONLY = new Set(['createdate', 'hs_createdate', 'hs_lastmodifieddate', 'lastmodifieddate', 'hs_object_id']);

interface PropertyError {
  isValid: false;
  message: string;
  error: string;
  name: string;
  localizedErrorMessage: string;
}

function invalid(name: string, error: string, message: string): PropertyError {
  return { isValid: false, message, error, name, localizedErrorMessage: message };
}

/** HubSpot's check of one written value: the stored string, or the reason it is refused. */
function checkValue(type: ObjectType, name: string, raw: unknown): { ok: true; value: string | null } | { ok: false; error: PropertyError } {
  if (READ_ONLY.has(name)) return { ok: false, error: invalid(name, 'READ_ONLY_VALUE', `${name} is a read only property; its value cannot be set.`) };
  const kind = WRITABLE[type][name];
  if (kind === undefined) return { ok: false, error: invalid(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`) };
  if (raw === null || raw === '') return { ok: true, value: null }; // an empty value clears the property
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    return { ok: false, error: invalid(name, 'INVALID_PROPERTY_VALUE', `${JSON.stringify(raw)} is not a valid value for ${name}`) };
  }
  const v = String(raw).trim();
  if (kind === 'number') {
    return /^-?\d+(\.\d+)?$/.test(v) ? { ok: true, value: v } : { ok: false, error: invalid(name, 'INVALID_FLOAT', `${v} was not a valid number.`) };
  }
  if (kind === 'datetime') {
    const ms = /^-?\d+$/.test(v) ? Number(v) : Date.parse(v);
    return Number.isNaN(ms) ? { ok: false, error: invalid(name, 'INVALID_DATE', `${v} was not a valid long or ISO 8601 date.`) } : { ok: true, value: new Date(ms).toISOString() };
  }
  if (kind === 'email') {
    return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v) ? { ok: true, value: v.toLowerCase() } : { ok: false, error: invalid(name, 'INVALID_EMAIL', `Email address ${v} is invalid`) };
  }
  if (kind !== 'text' && !kind.options.includes(v)) {
    return { ok: false, error: invalid(name, 'INVALID_OPTION', `${v} was not one of the allowed options: [${kind.options.join(', ')}]`) };
  }
  return { ok: true, value: v };
}

/** Register PATCH and DELETE on `/crm/v3/objects/:type/:id`. */
export function registerHubspotWrites(app: FastifyInstance, deps: HubspotWriteDeps): void {
  const badType = (type: string): boolean => !Object.hasOwn(WRITABLE, type);

  app.patch<{ Params: { type: string; id: string }; Querystring: Record<string, unknown> }>('/crm/v3/objects/:type/:id', async (req, reply) => {
    const { type, id } = req.params;
    if (badType(type)) return sendHubspotError(reply, 400, `Unable to infer object type from: ${type}`, 'VALIDATION_ERROR');
    const t = type as ObjectType;
    const body = req.body as { properties?: unknown } | undefined;
    const props = body?.properties;
    if (!props || typeof props !== 'object' || Array.isArray(props)) {
      return sendHubspotError(reply, 400, 'Invalid input JSON on line 1, column 2: properties is required and must be an object', 'VALIDATION_ERROR');
    }
    const world = deps.world(req);
    const rec = world.stores[t].get(id);
    // An archived record cannot be edited: HubSpot does not find it.
    if (!rec || rec.archived) return sendHubspotError(reply, 404, 'resource not found', 'OBJECT_NOT_FOUND', { context: { id: [id] } });
    const values: Record<string, string | null> = {};
    const errors: PropertyError[] = [];
    for (const [name, raw] of Object.entries(props as Record<string, unknown>)) {
      const checked = checkValue(t, name, raw);
      if (checked.ok) values[name] = checked.value;
      else errors.push(checked.error);
    }
    if (errors.length > 0) return sendHubspotError(reply, 400, `Property values were not valid: ${JSON.stringify(errors)}`, 'VALIDATION_ERROR', { errors: errors.map((e) => ({ message: e.message, code: e.error, context: { propertyName: [e.name] } })) });
    world.write(t, rec, values, deps.clock.now());
    return renderRecord(rec, t, Object.keys(values));
  });

  app.delete<{ Params: { type: string; id: string } }>('/crm/v3/objects/:type/:id', async (req, reply) => {
    const { type, id } = req.params;
    if (badType(type)) return sendHubspotError(reply, 400, `Unable to infer object type from: ${type}`, 'VALIDATION_ERROR');
    const world = deps.world(req);
    const rec = world.stores[type as ObjectType].get(id);
    if (rec && !rec.archived) world.archive(rec, deps.clock.now());
    return reply.code(204).send();
  });
}
