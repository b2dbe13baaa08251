/**
 * Ended calls, from the REST list (`GET /Calls.json`, calls-api.md "Read multiple Call
 * resources"): filtered by status, To and From, paged by the list's own relative page URIs.
 */
import { h, replace, statusBadge } from './dom.js';

const ENDED = ['completed', 'busy', 'failed', 'no-answer', 'canceled'];
const PAGE_SIZE = '50';

/** @param {HTMLElement} view @param {{ api: import('./api.js').Api, report: (m: string, ok: boolean) => void }} ctx */
export async function showEndedCalls(view, { api, report }) {
  const status = /** @type {HTMLSelectElement} */ (h('select', { name: 'status' }, h('option', { value: '' }, 'any ended status'), ENDED.map((s) => h('option', { value: s }, s))));
  const to = /** @type {HTMLInputElement} */ (h('input', { name: 'to', placeholder: 'To (E.164)' }));
  const from = /** @type {HTMLInputElement} */ (h('input', { name: 'from', placeholder: 'From' }));
  const tbody = h('tbody');
  const prev = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', disabled: true }, '← Previous'));
  const next = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', disabled: true }, 'Next →'));
  const where = h('span', { class: 'muted' });
  /** @type {{ next_page_uri: string | null, previous_page_uri: string | null } | null} */
  let page = null;

  const show = (/** @type {any} */ result) => {
    page = result;
    // Without a Status filter the list holds live calls too; they have their own view.
    const calls = result.calls.filter((/** @type {any} */ c) => ENDED.includes(c.status));
    replace(tbody, calls.length === 0 ? h('tr', {}, h('td', { colspan: 7, class: 'muted' }, 'No ended calls match.')) : calls.map(row));
    prev.disabled = !result.previous_page_uri;
    next.disabled = !result.next_page_uri;
    where.textContent = `page ${result.page + 1}`;
  };
  const load = async (/** @type {() => Promise<any>} */ read) => {
    try { show(await read()); } catch (error) { report(`Listing calls failed: ${/** @type {Error} */ (error).message}`, false); }
  };
  const search = () => load(() => api.listCalls({ Status: status.value, To: to.value.trim(), From: from.value.trim(), PageSize: PAGE_SIZE }));
  prev.addEventListener('click', () => page?.previous_page_uri && load(() => api.page(/** @type {string} */ (page?.previous_page_uri))));
  next.addEventListener('click', () => page?.next_page_uri && load(() => api.page(/** @type {string} */ (page?.next_page_uri))));

  const form = h('form', { class: 'filters', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); void search(); } },
    status, to, from, h('button', { type: 'submit' }, 'Filter'));
  replace(view,
    h('h2', {}, 'Ended calls'), form,
    h('table', { class: 'calls' },
      h('thead', {}, h('tr', {}, ['Call', 'Status', 'Direction', 'From', 'To', 'Duration', 'Ended'].map((t) => h('th', {}, t)))),
      tbody),
    h('div', { class: 'pager' }, prev, where, next));
  await search();
  return {};
}

/** @param {any} call */
function row(call) {
  return h('tr', { 'data-sid': call.sid },
    h('td', { class: 'sid' }, h('a', { href: `#/calls/${call.sid}` }, call.sid)),
    h('td', {}, statusBadge(call.status)),
    h('td', {}, call.direction),
    h('td', {}, call.from),
    h('td', {}, call.to),
    h('td', {}, call.duration === null ? '' : `${call.duration} s`),
    h('td', {}, call.end_time ?? ''));
}
