/**
 * The account's numbers (IncomingPhoneNumbers): list, add, edit the voice settings, remove.
 * An inbound call to a number runs its VoiceUrl.
 */
import { h, replace } from './dom.js';

/** @param {HTMLElement} view @param {{ api: import('./api.js').Api, report: (m: string, ok: boolean) => void }} ctx */
export async function showNumbers(view, { api, report }) {
  const tbody = h('tbody');
  const attempt = async (/** @type {string} */ what, /** @type {() => Promise<unknown>} */ action) => {
    try {
      await action();
      report(`${what}: done`, true);
      await load();
    } catch (error) {
      const e = /** @type {import('./api.js').ApiError} */ (error);
      report(`${what} failed: ${e.message}${e.code ? ` (error ${e.code})` : ''}`, false);
    }
  };

  const load = async () => {
    const { incoming_phone_numbers: numbers } = await api.numbers();
    replace(tbody, numbers.length === 0 ? h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No numbers yet.')) : numbers.map(numberRow));
  };

  /** One editable row. @param {any} n */
  const numberRow = (n) => {
    const input = (/** @type {string} */ name, /** @type {string | null} */ value, type = 'text') =>
      /** @type {HTMLInputElement} */ (h('input', { name, type, value: value ?? '', 'aria-label': `${name} of ${n.phone_number}` }));
    const friendly = input('FriendlyName', n.friendly_name);
    const voiceUrl = input('VoiceUrl', n.voice_url, 'url');
    const method = /** @type {HTMLSelectElement} */ (h('select', { name: 'VoiceMethod' }, ['POST', 'GET'].map((m) => h('option', { selected: m === n.voice_method }, m))));
    const fallback = input('VoiceFallbackUrl', n.voice_fallback_url, 'url');
    const save = () => attempt(`Saving ${n.phone_number}`, () =>
      api.updateNumber(n.sid, { FriendlyName: friendly.value, VoiceUrl: voiceUrl.value, VoiceMethod: method.value, VoiceFallbackUrl: fallback.value }));
    const remove = () => confirm(`Remove ${n.phone_number}?`) && attempt(`Removing ${n.phone_number}`, () => api.removeNumber(n.sid));
    return h('tr', { 'data-sid': n.sid },
      h('td', {}, h('code', {}, n.phone_number)), h('td', {}, friendly),
      h('td', {}, voiceUrl, method), h('td', {}, fallback),
      h('td', { class: 'actions' }, h('button', { type: 'button', onclick: save }, 'Save'), ' ', h('button', { type: 'button', class: 'danger', onclick: remove }, 'Remove')));
  };

  const phone = /** @type {HTMLInputElement} */ (h('input', { name: 'PhoneNumber', placeholder: '+14155550100', required: true }));
  const url = /** @type {HTMLInputElement} */ (h('input', { name: 'VoiceUrl', type: 'url', placeholder: 'https://app.example/voice' }));
  const add = h('form', { class: 'filters', onsubmit: (/** @type {Event} */ e) => {
    e.preventDefault();
    void attempt(`Adding ${phone.value}`, () => api.addNumber({ PhoneNumber: phone.value.trim(), ...(url.value && { VoiceUrl: url.value }) }));
  } }, phone, url, h('button', { type: 'submit' }, 'Add number'));

  replace(view,
    h('h2', {}, 'Numbers'), add,
    h('table', { class: 'numbers' },
      h('thead', {}, h('tr', {}, ['Number', 'Friendly name', 'Voice URL', 'Fallback URL', ''].map((t) => h('th', {}, t)))),
      tbody));
  await load();
  return {};
}
