/**
 * Where the page keeps its keys. The API key arrives in the URL fragment (`#key=…`, which the
 * browser never sends to the server, so it is never in access logs), moves to localStorage and
 * the fragment is removed. The admin key is asked for when needed and lives in sessionStorage,
 * so it is gone when the tab closes.
 */

const API_KEY = 'buffalo.apiKey';
const ADMIN_KEY = 'buffalo.adminKey';

/** The key in a fragment such as `#key=abc` (other fragment parameters are ignored). */
export function parseKeyFragment(hash: string): string | null {
  if (!hash.startsWith('#')) return null;
  const key = new URLSearchParams(hash.slice(1)).get('key');
  return key && key.trim() ? key.trim() : null;
}

/** Move a key from the fragment into storage and drop the fragment from the address bar. */
export function adoptFragmentKey(): void {
  const key = parseKeyFragment(location.hash);
  if (!key) return;
  localStorage.setItem(API_KEY, key);
  history.replaceState(history.state, '', location.pathname + location.search);
}

/** The stored API key, if any. */
export function apiKey(): string | null {
  return localStorage.getItem(API_KEY);
}

/** Store the API key. */
export function setApiKey(key: string): void {
  localStorage.setItem(API_KEY, key.trim());
}

/** The admin key of this tab, if given. */
export function adminKey(): string | null {
  return sessionStorage.getItem(ADMIN_KEY);
}

/** Store the admin key for this tab. */
export function setAdminKey(key: string): void {
  sessionStorage.setItem(ADMIN_KEY, key.trim());
}

/** Forget the admin key. */
export function forgetAdminKey(): void {
  sessionStorage.removeItem(ADMIN_KEY);
}

/** Forget both keys. */
export function forgetKeys(): void {
  localStorage.removeItem(API_KEY);
  forgetAdminKey();
}
