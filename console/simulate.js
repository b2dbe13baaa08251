/**
 * The simulated network's controls (`/sim/v1`): place an inbound call from a made-up caller
 * to a provisioned number, and script how a phone answers the calls placed to it.
 */
import { h, replace } from './dom.js';

const ANSWERS = ['answer', 'busy', 'no-answer', 'fail'];

/** @param {HTMLElement} view @param {{ api: import('./api.js').Api, report: (m: string, ok: boolean) => void }} ctx */
export async function showSimulate(view, { api, report }) {
  const { incoming_phone_numbers: numbers } = await api.numbers();
  const failed = (/** @type {string} */ what, /** @type {any} */ e) => report(`${what} failed: ${e.message}${e.code ? ` (error ${e.code})` : ''}`, false);

  const from = /** @type {HTMLInputElement} */ (h('input', { name: 'from', value: '+15005550006', required: true }));
  const to = /** @type {HTMLSelectElement} */ (h('select', { name: 'to', required: true },
    numbers.map((/** @type {any} */ n) => h('option', { value: n.phone_number }, `${n.phone_number}${n.friendly_name && n.friendly_name !== n.phone_number ? ` (${n.friendly_name})` : ''}`))));
  const place = h('form', { onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    try {
      const { callSid } = await api.placeInbound(from.value.trim(), to.value);
      location.hash = `#/calls/${callSid}`;
    } catch (error) { failed('Placing the call', error); }
  } },
    h('fieldset', {}, h('legend', {}, 'Place an inbound call'),
      numbers.length === 0 ? h('p', { class: 'muted' }, 'Provision a number first (Numbers).') : null,
      h('div', { class: 'row' }, h('label', {}, 'From ', from), h('label', {}, 'To ', to), h('button', { type: 'submit', disabled: numbers.length === 0 }, 'Call'))));

  const phone = /** @type {HTMLInputElement} */ (h('input', { name: 'number', placeholder: '+14155550100 or client:alice', required: true }));
  const answer = /** @type {HTMLSelectElement} */ (h('select', { name: 'answer' }, ANSWERS.map((a) => h('option', {}, a))));
  const after = /** @type {HTMLInputElement} */ (h('input', { name: 'answerAfterMs', type: 'number', min: 0, placeholder: 'after ms (1 ring)' }));
  const script = h('form', { onsubmit: async (/** @type {Event} */ e) => {
    e.preventDefault();
    try {
      const config = await api.scriptPhone(phone.value.trim(), { answer: answer.value, ...(after.value !== '' && { answerAfterMs: Number(after.value) }) });
      report(`${config.number} will ${config.answer === 'answer' ? 'answer' : `answer ${config.answer}`}`, true);
    } catch (error) { failed('Scripting the phone', error); }
  } },
    h('fieldset', {}, h('legend', {}, 'Script how a phone answers'),
      h('div', { class: 'row' }, phone, answer, after, h('button', { type: 'submit' }, 'Save'))));

  replace(view, h('h2', {}, 'Simulated network'), place, script);
  return {};
}
