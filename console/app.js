/**
 * The console's entry: sign-in, the account's live feed behind the live calls table, and a
 * hash router for the other views. Nothing is shown, and no data is requested, until the
 * AccountSid and AuthToken are accepted by the server; they are kept in sessionStorage (this
 * tab only) and sent as Basic credentials on every request.
 */
import { Api, ApiError } from './api.js';
import { showCall } from './call-view.js';
import { h } from './dom.js';
import { showEndedCalls } from './ended-calls.js';
import { showErrorCodes } from './error-codes.js';
import { openFeed } from './feed.js';
import { LiveCalls } from './live-table.js';
import { showNumbers } from './numbers.js';
import { showSimulate } from './simulate.js';

const STORAGE_KEY = 'switchboard-console-credentials';
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {{ api: Api, live: LiveCalls, feed: { close(): void } | null } | null} */
let session = null;
/** @type {{ close?: () => void } | null} */
let view = null;

/** Shows a message in the status area; errors stay until the next message. @param {string} message @param {boolean} ok */
function report(message, ok) {
  const area = $('messages');
  area.replaceChildren(h('p', { class: ok ? 'ok' : 'error' }, message));
  if (ok) setTimeout(() => area.firstChild?.textContent === message && area.replaceChildren(), 4000);
}

/**
 * Loads the live snapshot and follows the feed from its `seq`. The render is timed with
 * performance marks (`console:live-render`, read by the benchmark).
 * @param {Api} api @param {LiveCalls} live
 */
async function follow(api, live) {
  performance.clearMarks('console:live-requested');
  performance.mark('console:live-requested');
  const snapshot = await api.live();
  performance.mark('console:live-loaded');
  live.load(snapshot.calls);
  performance.mark('console:live-built');
  // The frame after the rows went in, once style, layout and paint have run.
  requestAnimationFrame(() => setTimeout(() => {
    performance.mark('console:live-rendered');
    performance.measure('console:live-render', 'console:live-requested', 'console:live-rendered');
    document.body.dataset.liveRendered = String(snapshot.calls.length);
  }, 0));
  return openFeed(api, {
    after: snapshot.seq,
    onEvent: (event) => live.apply(event),
    onReset: () => {
      // The server no longer holds the events we missed: start again from a new snapshot.
      session?.feed?.close();
      void follow(api, live).then((feed) => { if (session) session.feed = feed; });
    },
    onState: (state, detail) => {
      $('feed-state').textContent = state === 'open' ? 'live' : state;
      $('feed-state').dataset.state = state;
      if (state === 'refused') signOut(`The server refused the credentials (${detail}). Sign in again.`);
    },
  });
}

/** @param {string} accountSid @param {string} authToken */
async function signIn(accountSid, authToken) {
  const api = new Api(accountSid, authToken);
  const live = new LiveCalls($('live-calls'), {
    onCount: (count) => { $('live-count').textContent = String(count); },
    onEnd: (call) => {
      const status = call.status === 'in-progress' ? 'completed' : 'canceled';
      api.updateCall(call.sid, { Status: status }).then(
        () => report(`${call.sid}: ${status === 'completed' ? 'hung up' : 'canceled'}`, true),
        (/** @type {ApiError} */ e) => report(`${call.sid}: ${e.message}${e.code ? ` (error ${e.code})` : ''}`, false));
    },
  });
  try {
    session = { api, live, feed: null };
    session.feed = await follow(api, live);
  } catch (error) {
    live.close();
    session = null;
    throw error;
  }
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ accountSid, authToken }));
  $('account').textContent = accountSid;
  document.body.classList.add('signed-in');
  $('sign-in').hidden = true;
  $('app').hidden = false;
  await route();
}

/** @param {string} [message] */
function signOut(message) {
  session?.feed?.close();
  session?.live.close();
  session = null;
  view?.close?.();
  view = null;
  sessionStorage.removeItem(STORAGE_KEY);
  document.body.classList.remove('signed-in');
  $('live-calls').replaceChildren();
  $('view').replaceChildren();
  $('app').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message ?? '';
}

/** Shows the view the location's hash names: #/live, #/calls, #/calls/CA…, #/numbers, #/simulate, #/errors[/code]. */
async function route() {
  if (!session) return;
  const [, name = 'live', arg] = location.hash.split('/');
  view?.close?.();
  view = null;
  for (const link of document.querySelectorAll('nav a')) link.classList.toggle('current', link.getAttribute('href') === `#/${name}` && !(name === 'calls' && arg));
  $('live').hidden = name !== 'live';
  const container = $('view');
  container.hidden = name === 'live';
  if (name === 'live') return;
  container.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
  const ctx = { api: session.api, report };
  try {
    if (name === 'calls' && arg) view = await showCall(container, ctx, arg);
    else if (name === 'calls') view = await showEndedCalls(container, ctx);
    else if (name === 'numbers') view = await showNumbers(container, ctx);
    else if (name === 'simulate') view = await showSimulate(container, ctx);
    else if (name === 'errors') view = await showErrorCodes(container, ctx, arg);
    else container.replaceChildren(h('p', {}, 'No such page.'));
  } catch (error) {
    const e = /** @type {ApiError} */ (error);
    if (e instanceof ApiError && e.status === 401) return signOut('The server refused the credentials. Sign in again.');
    container.replaceChildren(h('p', { class: 'error' }, `${e.message}${e.code ? ` (error ${e.code})` : ''}`));
  }
}

$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.target);
  const accountSid = /** @type {HTMLInputElement} */ (form.elements.namedItem('accountSid')).value.trim();
  const authToken = /** @type {HTMLInputElement} */ (form.elements.namedItem('authToken')).value.trim();
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button'));
  button.disabled = true;
  $('sign-in-error').textContent = '';
  try {
    await signIn(accountSid, authToken);
  } catch (error) {
    const e = /** @type {ApiError} */ (error);
    $('sign-in-error').textContent = e instanceof ApiError && e.status === 401
      ? `Sign-in refused: the AccountSid or AuthToken is incorrect (${e.message}).`
      : `Sign-in failed: ${e.message}`;
  } finally {
    button.disabled = false;
  }
});
$('sign-out').addEventListener('click', () => signOut());
addEventListener('hashchange', () => void route());

const saved = sessionStorage.getItem(STORAGE_KEY);
if (saved) {
  const { accountSid, authToken } = JSON.parse(saved);
  signIn(accountSid, authToken).catch((/** @type {Error} */ e) => signOut(`Sign in again: ${e.message}`));
} else signOut();
