/** A tiny element builder: text always goes through textContent, so data never becomes markup. */

type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined;

/** Create an element with attributes (false/null/undefined ones are left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, AttrValue> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** The element with this id (throws if the page lacks it: a bug, not a runtime condition). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dashboard: #${id} missing from the page`);
  return el as T;
}

/** Replace a table's body rows; `empty` is shown in one spanning cell when there are none. */
export function fillTable(table: HTMLTableElement, rows: HTMLTableRowElement[], empty: string): void {
  const body = table.tBodies[0] ?? table.createTBody();
  if (rows.length === 0) {
    const cols = table.tHead?.rows[0]?.cells.length ?? 1;
    body.replaceChildren(h('tr', { class: 'empty' }, h('td', { colspan: cols }, empty)));
    return;
  }
  body.replaceChildren(...rows);
}

/** A status pill; `state` picks its colour in the stylesheet. */
export function pill(state: string, text: string = state): HTMLSpanElement {
  return h('span', { class: 'pill', 'data-state': state }, text);
}
