/** The HubSpot object types the connector reads, with the properties it asks for. */

/** One CRM object type. */
export interface HubspotObject {
  /** Outbox entity and stream name. */
  entity: 'deal' | 'contact';
  /** URL segment. */
  path: 'deals' | 'contacts';
  /** The "last modified" property incremental search filters and sorts on. */
  modifiedProperty: string;
  properties: string[];
}

/** Deals (→ payments). */
export const DEALS: HubspotObject = {
  entity: 'deal',
  path: 'deals',
  modifiedProperty: 'hs_lastmodifieddate',
  properties: ['dealname', 'amount', 'deal_currency_code', 'dealstage', 'pipeline', 'closedate', 'createdate', 'hs_lastmodifieddate'],
};

/** Contacts. */
export const CONTACTS: HubspotObject = {
  entity: 'contact',
  path: 'contacts',
  modifiedProperty: 'lastmodifieddate',
  properties: ['email', 'firstname', 'lastname', 'phone', 'company', 'lifecyclestage', 'createdate', 'lastmodifieddate'],
};
