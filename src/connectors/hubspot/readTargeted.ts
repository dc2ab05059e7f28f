/**
 * Targeted reads of HubSpot (`buffalo sync hubspot --id/--since`): one deal or contact by id
 * (`GET /crm/v3/objects/{type}/{id}`; HubSpot ids are unique per portal across neither type, so
 * both are asked and a 404 means "not this type"), or the records whose last-modified date lies
 * in a range (CRM search, `GTE`/`LT` on the property, offset paging within the 10,000 cap).
 */
import { requestJson, UpstreamHttpError } from '../../resilience/index.ts';
import type { Page, PageContext, SyncTarget, TargetedReader } from '../contract.ts';
import { throwIfAborted, toRawRecord } from '../rawRecord.ts';
import { rangeBounds } from '../targetRange.ts';
import { CONTACTS, DEALS, type HubspotObject } from './objects.ts';
import { authOf, type HubspotReadDeps } from './readList.ts';
import { SEARCH_RESULT_CAP } from './readSearch.ts';

type SearchAnswer = { results: unknown[]; paging?: { next?: { after?: string } } };

/** The HubSpot targeted reader. */
export function createHubspotTargeted(deps: HubspotReadDeps): TargetedReader {
  const auth = authOf(deps);

  async function* byId(id: string, ctx: PageContext): AsyncGenerator<Page> {
    for (const obj of [DEALS, CONTACTS]) {
      throwIfAborted(ctx.signal);
      const url = new URL(`/crm/v3/objects/${obj.path}/${encodeURIComponent(id)}`, deps.baseUrl);
      url.searchParams.set('properties', obj.properties.join(','));
      try {
        const { body } = await requestJson<unknown>(deps.policy, { url: url.toString(), ...auth }, { stats: ctx.stats, signal: ctx.signal });
        yield { records: [toRawRecord(obj.entity, body)], cursorAfter: null };
      } catch (err) {
        if (!(err instanceof UpstreamHttpError && err.status === 404)) throw err;
      }
    }
  }

  async function* byRange(obj: HubspotObject, target: Extract<SyncTarget, { kind: 'range' }>, ctx: PageContext): AsyncGenerator<Page> {
    const { fromMs, toMs } = rangeBounds(target);
    const filters = [
      { propertyName: obj.modifiedProperty, operator: 'GTE', value: String(fromMs) },
      ...(toMs === null ? [] : [{ propertyName: obj.modifiedProperty, operator: 'LT', value: String(toMs) }]),
    ];
    for (let offset = 0; ; ) {
      throwIfAborted(ctx.signal);
      if (offset + deps.searchLimit > SEARCH_RESULT_CAP) throw new Error(`hubspot ${obj.path}: more than ${SEARCH_RESULT_CAP} records changed in ${target.since}..${target.until ?? 'now'}; narrow the range`);
      const body = { filterGroups: [{ filters }], sorts: [{ propertyName: obj.modifiedProperty, direction: 'ASCENDING' }], properties: obj.properties, limit: deps.searchLimit, ...(offset > 0 ? { after: String(offset) } : {}) };
      const { body: answer } = await requestJson<SearchAnswer>(
        deps.policy,
        { method: 'POST', url: new URL(`/crm/v3/objects/${obj.path}/search`, deps.baseUrl).toString(), ...auth, body },
        { stats: ctx.stats, signal: ctx.signal },
      );
      yield { records: answer.results.map((r) => toRawRecord(obj.entity, r)), cursorAfter: null };
      if (answer.results.length < deps.searchLimit || !answer.paging?.next) return;
      offset += answer.results.length;
    }
  }

  return {
    refusal: () => null,
    async *pages(target, ctx) {
      if (target.kind === 'id') yield* byId(target.id, ctx);
      else for (const obj of [DEALS, CONTACTS]) yield* byRange(obj, target, ctx);
    },
  };
}
