/**
 * One call's timeline: its status changes, each webhook request (URL, method, parameters)
 * with its answer (status, latency, the TwiML or error body), verbs started and ended, bridges
 * (from the feed); what the far end heard (the simulated network's log); notifications with
 * their codes linked to the error table; recordings with a player. All in time order.
 */
import { formatTime, h } from './dom.js';

/** @typedef {{ at: number, order: number, element: HTMLElement }} Entry */

export class Timeline {
  /** @param {HTMLOListElement} list @param {import('./api.js').Api} api */
  constructor(list, api) {
    this.list = list;
    this.api = api;
    /** Entries from the feed, in arrival order (already in time order per call). @type {Entry[]} */
    this.feedEntries = [];
    /** @type {Entry[]} */
    this.heardEntries = [];
    /** @type {Entry[]} */
    this.noticeEntries = [];
    /** @type {Entry[]} */
    this.recordingEntries = [];
    /** The call's stored exchanges (`Events.json`) the feed has not shown (yet). @type {(Entry & { key: string, shown: boolean })[]} */
    this.storedEntries = [];
    /** Webhook requests still waiting for their answer. @type {{ url: string, method: string, element: HTMLElement }[]} */
    this.unanswered = [];
    /** Codes and messages of the notifications the feed showed, so the stored list does not repeat them. @type {Set<string>} */
    this.fedNotices = new Set();
    /** URL keys of the exchanges the feed showed, in order. @type {string[]} */
    this.fedExchanges = [];
    this.order = 0;
    this.frame = 0;
    /** @type {Map<string, string>} recording SID → blob: URL */
    this.audio = new Map();
  }

  /** A feed event of this call. @param {{ type: string, data: any }} event */
  addEvent({ type, data }) {
    const at = Number(data.at) || Date.now();
    if (type === 'webhook-answered') {
      const i = this.unanswered.findIndex((w) => w.url === data.url && w.method === data.method);
      if (i >= 0) {
        this.unanswered[i].element.appendChild(webhookAnswer(data));
        this.unanswered.splice(i, 1);
        return;
      }
      this.push(at, h('li', { class: 'entry webhook' }, stamp(at), h('div', {}, h('strong', {}, 'Webhook answered '), code(`${data.method} ${data.url}`), webhookAnswer(data))));
      return;
    }
    if (type === 'webhook-requested' || type === 'status-callback') this.supersede(`${data.method} ${data.url}`);
    if (type === 'status-callback') {
      const outcome = data.ok ? `answered ${data.status} in ${Math.round(data.ms)} ms` : `failed${data.status ? ` with HTTP ${data.status}` : ''}${data.error ? ` (${data.error})` : ''} after ${Math.round(data.ms)} ms`;
      this.push(at, h('li', { class: 'entry webhook callback' }, stamp(at),
        h('div', {}, h('strong', {}, `Status callback${data.attempt > 1 ? ` (attempt ${data.attempt})` : ''} `), code(`${data.method} ${data.url}`),
          params(data.params), h('div', { class: `answer ${data.ok ? 'ok' : 'failed'}` }, outcome))));
      return;
    }
    if (type === 'webhook-requested') {
      const element = h('li', { class: 'entry webhook' }, stamp(at),
        h('div', {}, h('strong', {}, 'Webhook '), code(`${data.method} ${data.url}`), params(data.params)));
      this.unanswered.push({ url: data.url, method: data.method, element: /** @type {HTMLElement} */ (element.lastElementChild) });
      this.push(at, element);
      return;
    }
    if (type === 'status') {
      const detail = data.from === data.to ? 'record updated' : `${data.from} → ${data.to}`;
      this.push(at, h('li', { class: 'entry status' }, stamp(at), h('div', {}, h('strong', {}, 'Status '), h('span', { class: `badge status-${data.to}` }, data.to), ` ${detail}`)));
    } else if (type === 'verb-started') {
      this.push(at, h('li', { class: 'entry verb' }, stamp(at), h('div', {}, '▶ ', code(`<${data.verb}>`), ' started')));
    } else if (type === 'verb-ended') {
      this.push(at, h('li', { class: 'entry verb' }, stamp(at), h('div', {}, '■ ', code(`<${data.verb}>`), ` ended (${data.outcome})`)));
    } else if (type === 'bridge') {
      this.push(at, h('li', { class: 'entry bridge' }, stamp(at), h('div', {}, data.joined ? 'Bridged with ' : 'Parted from ', h('a', { href: `#/calls/${data.otherCallSid}` }, data.otherCallSid))));
    } else if (type === 'notification') {
      this.fedNotices.add(`${data.code} ${data.message}`);
      this.push(at, notice(at, data.code, data.level, data.message));
    }
  }

  /**
   * The call's stored HTTP exchanges (`GET /Calls/{Sid}/Events.json`, call-events.md): what
   * shows the webhooks of a call whose events the feed no longer holds (an old call, a
   * restarted server). An exchange the feed also shows is left to the feed's richer entry;
   * both are in time order, so the n-th stored exchange to a URL is the feed's n-th one.
   * @param {any[]} events
   */
  setStored(events) {
    this.storedEntries = events.map((event) => {
      const { request, response } = event;
      const at = Date.parse(response.date_created);
      const key = `${request.method} ${request.url}`;
      const element = h('li', { class: 'entry webhook stored' }, stamp(at),
        h('div', {}, h('strong', {}, 'Request '), code(key), params(request.parameters),
          h('div', { class: `answer ${response.response_code >= 200 && response.response_code < 300 ? 'ok' : 'failed'}` },
            `answered ${response.response_code ?? '—'}${response.content_type ? ` (${response.content_type})` : ''} in ${response.request_duration} ms`),
          response.response_body ? h('pre', { class: 'body' }, response.response_body) : null));
      return { at, order: this.order++, element, key, shown: true };
    });
    // Exchanges the feed showed before these arrived are matched now.
    for (const key of this.fedExchanges) this.supersede(key, false);
    this.render();
  }

  /** The feed showed an exchange: hide the first stored one like it. @param {string} key @param {boolean} [count] */
  supersede(key, count = true) {
    if (count) this.fedExchanges.push(key);
    const stored = this.storedEntries.find((e) => e.shown && e.key === key);
    if (stored) {
      stored.shown = false;
      this.render();
    }
  }

  /** The simulated network's heard log (`GET /sim/v1/calls/{sid}`), replacing the last one. @param {{ heard: any[], number: string, dropped?: number } | null} log */
  setHeard(log) {
    this.heardEntries = (log?.heard ?? []).map((entry) => {
      const at = Date.parse(entry.at);
      return { at, order: this.order++, element: h('li', { class: 'entry heard' }, stamp(at), h('div', {}, h('strong', {}, `${log?.number} heard `), describeHeard(entry))) };
    });
    this.render();
  }

  /** The call's stored notifications (REST), those the feed did not already show. @param {any[]} notifications */
  setNotifications(notifications) {
    this.noticeEntries = notifications
      .filter((n) => !this.fedNotices.has(`${n.error_code} ${n.message_text}`))
      .map((n) => {
        const at = Date.parse(n.message_date ?? n.date_created);
        return { at, order: this.order++, element: notice(at, Number(n.error_code), Number(n.log), n.message_text) };
      });
    this.render();
  }

  /** The call's recordings, each with an `<audio>` player once it is completed. @param {any[]} recordings */
  setRecordings(recordings) {
    this.recordingEntries = recordings.map((r) => {
      const at = Date.parse(r.start_time ?? r.date_created);
      const player = /** @type {HTMLAudioElement} */ (h('audio', { controls: true, preload: 'none' }));
      const cached = this.audio.get(r.sid);
      if (cached) player.src = cached;
      else if (r.status === 'completed') {
        this.api.recordingAudio(r).then((src) => { this.audio.set(r.sid, src); player.src = src; }, (e) => player.replaceWith(h('span', { class: 'error' }, e.message)));
      }
      return {
        at, order: this.order++,
        element: h('li', { class: 'entry recording' }, stamp(at),
          h('div', {}, h('strong', {}, 'Recording '), code(r.sid), ` ${r.status}, ${r.duration ?? '?'} s, ${r.channels} channel(s) `, player)),
      };
    });
    this.render();
  }

  /** @param {number} at @param {HTMLElement} element */
  push(at, element) {
    this.feedEntries.push({ at, order: this.order++, element });
    this.render();
  }

  /** Re-orders the list on the next frame (one call's entries: a few hundred at most). */
  render() {
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      const stored = this.storedEntries.filter((e) => e.shown);
      const all = [...this.feedEntries, ...stored, ...this.heardEntries, ...this.noticeEntries, ...this.recordingEntries];
      all.sort((a, b) => a.at - b.at || a.order - b.order);
      this.list.replaceChildren(...all.map((e) => e.element));
    });
  }

  close() {
    cancelAnimationFrame(this.frame);
    for (const src of this.audio.values()) URL.revokeObjectURL(src);
  }
}

/** @param {number} at */
const stamp = (at) => h('time', { datetime: new Date(at).toISOString() }, formatTime(at));
/** @param {string} text */
const code = (text) => h('code', {}, text);
/** A request's parameters, folded. @param {Record<string, string> | undefined} values */
const params = (values = {}) =>
  h('details', { class: 'params' }, h('summary', {}, `Parameters (${Object.keys(values).length})`),
    h('table', { class: 'kv' }, Object.entries(values).map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, String(v))))));

/** @param {any} data the `webhook-answered` payload */
function webhookAnswer(data) {
  const outcome = data.ok
    ? `answered ${data.status}${data.contentType ? ` (${data.contentType})` : ''} in ${Math.round(data.ms)} ms`
    : `failed${data.status ? ` with HTTP ${data.status}` : ''} after ${Math.round(data.ms)} ms`;
  return h('div', { class: `answer ${data.ok ? 'ok' : 'failed'}` },
    h('span', {}, outcome),
    data.errorCode ? [': error ', errorLink(data.errorCode)] : null,
    data.body ? h('pre', { class: 'body' }, data.body) : null);
}

/** @param {number} at @param {number} errorCode @param {number} level 0 error, 1 warning @param {string} message */
function notice(at, errorCode, level, message) {
  return h('li', { class: `entry notification ${level === 0 ? 'error' : 'warning'}` }, stamp(at),
    h('div', {}, h('strong', {}, level === 0 ? 'Error ' : 'Warning '), errorLink(errorCode), ` ${message}`));
}

/** A code, linked to its row in docs/errors.md as the console renders it. @param {number} errorCode */
export function errorLink(errorCode) {
  return h('a', { href: `#/errors/${errorCode}`, class: 'error-code' }, String(errorCode));
}

/** @param {any} entry a HeardEntry (src/simnet/call-log.ts) */
function describeHeard(entry) {
  switch (entry.kind) {
    case 'say': return [code('say'), ` "${entry.text}"`];
    case 'play': return [code('play'), ` ${entry.url}`];
    case 'tone': return [code('tone'), ` ${entry.text}`];
    case 'speech': return ['the other leg say ', `"${entry.text}"`];
    case 'digits': return ['the other leg press ', code(entry.digits)];
    case 'audio': return [`${entry.ms ?? '?'} ms of audio from `, h('a', { href: `#/calls/${entry.fromCallSid}` }, entry.fromCallSid)];
    default: return [code(entry.kind), entry.ms !== undefined ? ` ${entry.ms} ms` : ''];
  }
}
