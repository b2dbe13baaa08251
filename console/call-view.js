/**
 * One call: its record (REST), its legs, the actions panel and the timeline. The timeline
 * follows the call's own feed (`/console/v1/events?callSid=…&after=0`: what the server still
 * holds of its past, then what happens next), shows the stored HTTP exchanges (`Events.json`)
 * the feed no longer holds, and re-reads the heard log, notifications and recordings when an
 * event says they changed, never on a timer.
 */
import { callActions } from './call-actions.js';
import { h, replace, statusBadge, TERMINAL } from './dom.js';
import { openFeed } from './feed.js';
import { Timeline } from './timeline.js';

/** @param {HTMLElement} view @param {{ api: import('./api.js').Api, report: (m: string, ok: boolean) => void }} ctx @param {string} sid */
export async function showCall(view, { api, report }, sid) {
  const call = await api.fetchCall(sid);
  const heard = await api.heard(sid);
  const summary = h('dl', { class: 'call-summary' });
  const legs = h('ul', { class: 'legs' });
  const list = /** @type {HTMLOListElement} */ (h('ol', { class: 'timeline', 'aria-label': 'Timeline' }));
  const note = h('p', { class: 'note', hidden: true }, 'Events older than the feed\'s history are not shown; the stored notifications and recordings are.');
  const actions = callActions(api, sid, { simulated: heard !== null, report });
  const timeline = new Timeline(list, api);

  const showRecord = (/** @type {any} */ record) => {
    replace(summary,
      field('Status', statusBadge(record.status)), field('Direction', record.direction),
      field('From', record.from), field('To', record.to),
      field('Started', record.start_time ?? '—'), field('Ended', record.end_time ?? '—'),
      field('Duration', record.duration !== null && record.duration !== undefined ? `${record.duration} s` : '—'),
      record.parent_call_sid ? field('Parent', h('a', { href: `#/calls/${record.parent_call_sid}` }, record.parent_call_sid)) : null);
    actions.setStatus(record.status);
  };
  showRecord(call);

  // One request of each kind in flight; a change while it runs asks for one more afterwards.
  const refresher = (/** @type {() => Promise<void>} */ load) => {
    let running = false;
    let again = false;
    const go = async () => {
      if (running) { again = true; return; }
      running = true;
      try { await load(); } catch (error) { report(String(/** @type {Error} */ (error).message), false); }
      running = false;
      if (again) { again = false; void go(); }
    };
    return go;
  };
  const refreshHeard = refresher(async () => timeline.setHeard(await api.heard(sid)));
  const refreshNotices = refresher(async () => timeline.setNotifications((await api.notifications(sid)).notifications));
  const refreshRecordings = refresher(async () => timeline.setRecordings((await api.recordings(sid)).recordings));
  const refreshLegs = refresher(async () => {
    const children = (await api.listCalls({ ParentCallSid: sid, PageSize: '50' })).calls;
    if (children.length === 0) return replace(legs, h('li', { class: 'muted' }, 'none'));
    replace(legs, children.map((/** @type {any} */ c) => h('li', {}, h('a', { href: `#/calls/${c.sid}` }, c.sid), ' ', statusBadge(c.status), ` to ${c.to}`)));
  });

  timeline.setHeard(heard);
  api.exchanges(sid).then((page) => timeline.setStored(page.events), (e) => report(`The call's stored events: ${e.message}`, false));
  void refreshNotices();
  void refreshRecordings();
  void refreshLegs();

  const feed = openFeed(api, {
    callSid: sid,
    after: 0,
    onReset: () => { note.hidden = false; },
    onEvent: (event) => {
      timeline.addEvent(event);
      if (event.type === 'status') {
        showRecord(event.data.call);
        if (TERMINAL.has(event.data.to)) void refreshRecordings();
      }
      if (heard !== null && (event.type.startsWith('verb') || event.type === 'status' || event.type === 'bridge')) void refreshHeard();
      if (event.type === 'notification') void refreshNotices();
      if (event.type === 'verb-ended' && event.data.verb === 'Record') void refreshRecordings();
      if (event.type === 'verb-started' && event.data.verb === 'Dial') void refreshLegs();
    },
  });

  replace(view,
    h('h2', {}, 'Call ', h('code', { class: 'sid' }, sid)),
    h('div', { class: 'call-layout' },
      h('div', {}, summary, h('h3', {}, 'Legs'), legs, actions.element),
      h('div', {}, h('h3', {}, 'Timeline'), note, list)));
  return { close: () => { feed.close(); timeline.close(); } };
}

/** @param {string} name @param {any} value */
function field(name, value) {
  return [h('dt', {}, name), h('dd', {}, value)];
}
