/**
 * A few DOM helpers, so each view builds its elements in one readable expression without a
 * framework: `h('td', { class: 'sid' }, text)`.
 */

/**
 * Creates an element. `attrs` keys starting with `on` add listeners; `class`, `for` and the
 * rest are set as attributes; `false`/`null`/`undefined` leave an attribute out. Children may
 * be strings, nodes, or arrays of them (nested, with holes).
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' && 'value' in el) /** @type {HTMLInputElement} */ (el).value = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** @param {Node} parent @param {any[]} children */
function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `el`. @param {Element} el @param {...any} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** `12.3 s`, `4:05`, `1:02:03` for a number of seconds. @param {number} seconds */
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/** A local time with milliseconds, for timeline rows. @param {number} epochMs */
export function formatTime(epochMs) {
  const d = new Date(epochMs);
  const pad = (/** @type {number} */ n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The statuses after which a call changes no more (call-lifecycle.md). */
export const TERMINAL = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/** A status as a coloured badge. @param {string} status */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, status);
}
