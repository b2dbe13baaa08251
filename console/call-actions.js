/**
 * What the console can do to one call, each through the public API (an SDK can do the same):
 * redirect to a URL or to TwiML typed here (checked before it is sent), hang up or cancel
 * (`POST /Calls/{Sid}.json`, modify-calls.md); and on a simulated call, what its far end does
 * (`/sim/v1`): press keys, say words, hang up.
 */
import { h, TERMINAL } from './dom.js';
import { checkTwiml } from './twiml-check.js';

const SAMPLE_TWIML = '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Say>Hello from the console</Say>\n  <Pause length="60"/>\n</Response>';

/**
 * @param {import('./api.js').Api} api
 * @param {string} sid
 * @param {{ simulated: boolean, report: (message: string, ok: boolean) => void }} options
 * @returns {{ element: HTMLElement, setStatus: (status: string) => void }}
 */
export function callActions(api, sid, { simulated, report }) {
  /** Runs an action, reports its outcome, and keeps its button disabled while it runs. */
  const run = async (/** @type {HTMLButtonElement} */ button, /** @type {string} */ what, /** @type {() => Promise<unknown>} */ action) => {
    button.disabled = true;
    try {
      await action();
      report(`${what}: done`, true);
    } catch (error) {
      const e = /** @type {import('./api.js').ApiError} */ (error);
      report(`${what} failed: ${e.message}${e.code ? ` (error ${e.code})` : ''}`, false);
    } finally {
      button.disabled = false;
    }
  };
  /** @param {string} text @param {string} cls @param {string} what @param {() => Promise<unknown>} action */
  const button = (text, cls, what, action) => {
    const b = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: cls }, text));
    b.addEventListener('click', () => void run(b, what, action));
    return b;
  };

  const url = /** @type {HTMLInputElement} */ (h('input', { type: 'url', name: 'url', placeholder: 'https://app.example/next', required: true }));
  const method = /** @type {HTMLSelectElement} */ (h('select', { name: 'method' }, h('option', {}, 'POST'), h('option', {}, 'GET')));
  const redirectUrl = button('Redirect', '', 'Redirect', () => {
    if (!url.reportValidity()) return Promise.reject(new Error('enter an absolute URL'));
    return api.updateCall(sid, { Url: url.value, Method: method.value });
  });

  const editor = /** @type {HTMLTextAreaElement} */ (h('textarea', { name: 'twiml', rows: 6, spellcheck: 'false', class: 'code' }));
  editor.value = SAMPLE_TWIML;
  const problems = h('ul', { class: 'problems', 'aria-live': 'polite' });
  const sendTwiml = button('Send TwiML', '', 'Send TwiML', () => api.updateCall(sid, { Twiml: editor.value }));
  const validate = () => {
    const found = checkTwiml(editor.value);
    problems.replaceChildren(...found.map((p) => h('li', {}, p)));
    sendTwiml.disabled = found.length > 0;
    editor.classList.toggle('invalid', found.length > 0);
  };
  editor.addEventListener('input', validate);
  validate();

  const hangup = button('Hang up', 'danger', 'Hang up', () => api.updateCall(sid, { Status: 'completed' }));
  const cancel = button('Cancel', 'danger', 'Cancel', () => api.updateCall(sid, { Status: 'canceled' }));

  const digits = /** @type {HTMLInputElement} */ (h('input', { name: 'digits', placeholder: '1234#', size: 8, pattern: '[0-9A-Da-d#*]+' }));
  const words = /** @type {HTMLInputElement} */ (h('input', { name: 'speech', placeholder: 'words the caller says' }));
  const farEnd = simulated
    ? h('fieldset', { class: 'far-end' },
        h('legend', {}, 'The far end (simulated phone)'),
        h('div', { class: 'row' }, digits, button('Press', '', 'Press digits', () => api.press(sid, digits.value))),
        h('div', { class: 'row' }, words, button('Say', '', 'Say', () => api.say(sid, words.value))),
        h('div', { class: 'row' }, button('Hang up as the far end', 'danger', 'Far-end hang-up', () => api.farEndHangup(sid))))
    : null;

  const endedNote = h('p', { class: 'muted', hidden: true }, 'The call has ended: nothing more can be done to it.');
  const element = h('section', { class: 'actions-panel' },
    h('h3', {}, 'Actions'), endedNote,
    h('fieldset', {}, h('legend', {}, 'Redirect to a URL'), h('div', { class: 'row' }, url, method, redirectUrl)),
    h('fieldset', {}, h('legend', {}, 'Redirect to TwiML'), editor, problems, h('div', { class: 'row' }, sendTwiml)),
    h('fieldset', {}, h('legend', {}, 'End the call'), h('div', { class: 'row' }, hangup, cancel)),
    farEnd);

  const setStatus = (/** @type {string} */ status) => {
    const ended = TERMINAL.has(status);
    for (const set of element.querySelectorAll('fieldset')) set.hidden = ended;
    endedNote.hidden = !ended;
    hangup.hidden = status !== 'in-progress';
    cancel.hidden = status !== 'queued' && status !== 'ringing';
  };
  return { element, setStatus };
}
