/**
 * The live calls table, kept fast at 1,000 calls: one grid row per call, keyed by CallSid,
 * built once and then patched cell by cell; rows off screen cost no layout or paint
 * (`content-visibility`, style.css). Feed events only record what changed (`pending`, one
 * entry per call however many events it got); the DOM is touched once per animation frame.
 * Child legs (`parent_call_sid`) sit under their parent, indented, as a tree.
 */
import { formatDuration, TERMINAL } from './dom.js';

/**
 * @typedef {Record<string, any>} CallJson the REST Call resource (calls-api.md)
 * @typedef {{
 *   call: CallJson, verb: string | null, el: HTMLElement, startMs: number,
 *   cells: { status: HTMLElement, direction: HTMLElement, from: HTMLElement, to: HTMLElement,
 *            duration: HTMLElement, verb: HTMLElement, action: HTMLButtonElement },
 *   children: Set<string>, parent: string | null, bridged: boolean,
 * }} Row
 * @typedef {{ call?: CallJson, verb?: string | null, verbEnded?: string, bridged?: boolean }} Change
 */

const TEMPLATE = document.createElement('template');
TEMPLATE.innerHTML =
  '<div class="call" role="row"><span class="sid" role="cell"><a></a></span><span class="status" role="cell"><span class="badge"></span></span>' +
  '<span class="direction" role="cell"></span><span class="from" role="cell"></span><span class="to" role="cell"></span>' +
  '<span class="duration" role="cell"></span><span class="verb" role="cell"></span>' +
  '<span class="actions" role="cell"><button type="button" class="danger small" data-action="end"></button></span></div>';

export class LiveCalls {
  /**
   * @param {HTMLElement} tbody
   * @param {{ onEnd: (call: CallJson) => void, onCount: (count: number) => void }} hooks
   */
  constructor(tbody, hooks) {
    this.tbody = tbody;
    this.hooks = hooks;
    /** @type {Map<string, Row>} */
    this.rows = new Map();
    /** @type {Map<string, Change>} */
    this.pending = new Map();
    this.frame = 0;
    /**
     * This page's clock minus the server's, from the feed: an event's `at` is the server's time,
     * so the smallest `Date.now() - at` seen is the offset plus the shortest delivery delay.
     * Durations count from `start_time` (the server's clock) with it, so a browser on another
     * machine with a wrong clock still shows true durations.
     */
    this.skew = Infinity;
    this.timer = setInterval(() => this.tick(), 1000);
    tbody.addEventListener('click', (event) => {
      const button = /** @type {HTMLElement} */ (event.target).closest('button[data-action="end"]');
      const sid = /** @type {HTMLElement | null | undefined} */ (button?.closest('.call'))?.dataset.sid;
      const row = sid ? this.rows.get(sid) : undefined;
      if (row) hooks.onEnd(row.call);
    });
  }

  /** Replaces the table with a snapshot (`/console/v1/live`), in one DOM insertion. @param {(CallJson & { verb: string | null })[]} calls */
  load(calls) {
    this.rows.clear();
    this.pending.clear();
    const fragment = document.createDocumentFragment();
    const byCreation = [...calls].sort((a, b) => Date.parse(a.date_created) - Date.parse(b.date_created));
    for (const call of byCreation) {
      // The snapshot carries no bridges: an answered <Dial> leg running no TwiML of its own is
      // bridged to its parent (a screening `url` document would show as its verb).
      const row = this.makeRow(call, call.verb ?? null, Boolean(call.parent_call_sid) && call.status === 'in-progress');
      this.rows.set(call.sid, row);
    }
    for (const row of this.rows.values()) {
      const parent = row.call.parent_call_sid && this.rows.get(row.call.parent_call_sid);
      if (parent) {
        row.parent = parent.call.sid;
        parent.children.add(row.call.sid);
      }
    }
    // Newest call first; each parent's legs right under it, oldest leg first.
    const add = (/** @type {Row} */ row, /** @type {number} */ depth) => {
      row.el.style.setProperty('--depth', String(depth));
      fragment.appendChild(row.el);
      for (const child of row.children) add(/** @type {Row} */ (this.rows.get(child)), depth + 1);
    };
    for (const row of [...this.rows.values()].reverse()) if (!row.parent) add(row, 0);
    this.tbody.replaceChildren(fragment);
    this.hooks.onCount(this.rows.size);
  }

  /** Takes a feed event; the table shows it on the next animation frame. @param {{ type: string, data: any }} event */
  apply({ type, data }) {
    const sid = data?.callSid;
    if (typeof sid !== 'string') return;
    if (typeof data.at === 'number') this.skew = Math.min(this.skew, Date.now() - data.at);
    const change = this.pending.get(sid) ?? {};
    if (type === 'status') change.call = data.call;
    else if (type === 'verb-started') {
      change.verb = data.verb;
      delete change.verbEnded;
    } else if (type === 'verb-ended') change.verbEnded = data.verb;
    else if (type === 'bridge') change.bridged = Boolean(data.joined);
    else return;
    this.pending.set(sid, change);
    this.frame ||= requestAnimationFrame(() => this.flush());
  }

  /** Applies every pending change. */
  flush() {
    this.frame = 0;
    const before = this.rows.size;
    for (const [sid, change] of this.pending) {
      const row = this.rows.get(sid);
      const call = change.call ?? row?.call;
      if (!call) continue; // a verb event of a call the table never saw live
      if (TERMINAL.has(call.status)) {
        if (row) this.remove(row);
        continue;
      }
      let verb = row?.verb ?? null;
      if ('verb' in change) verb = change.verb ?? null;
      if (change.verbEnded !== undefined && verb === change.verbEnded) verb = null;
      const target = row ?? this.makeRow(call, verb);
      if (change.bridged !== undefined) target.bridged = change.bridged;
      this.update(target, call, verb);
      if (!row) this.insert(target);
    }
    this.pending.clear();
    if (this.rows.size !== before) this.hooks.onCount(this.rows.size);
  }

  /** The durations of answered calls, once a second (the page's clock; no request). */
  tick() {
    const now = this.serverNow();
    for (const row of this.rows.values()) {
      if (row.call.status === 'in-progress') row.cells.duration.textContent = formatDuration((now - row.startMs) / 1000);
    }
  }

  /** The server's time now, as well as the feed lets the page know it. */
  serverNow() {
    return Date.now() - (Number.isFinite(this.skew) ? this.skew : 0);
  }

  close() {
    clearInterval(this.timer);
    cancelAnimationFrame(this.frame);
  }

  /** @param {CallJson} call @param {string | null} verb @param {boolean} [bridged] @returns {Row} */
  makeRow(call, verb, bridged = false) {
    const el = /** @type {HTMLElement} */ (/** @type {DocumentFragment} */ (TEMPLATE.content.cloneNode(true)).firstElementChild);
    el.dataset.sid = call.sid;
    const cell = (/** @type {number} */ i) => /** @type {HTMLElement} */ (el.children[i]);
    const link = /** @type {HTMLAnchorElement} */ (cell(0).firstElementChild);
    link.href = `#/calls/${call.sid}`;
    link.textContent = call.sid;
    const cells = {
      status: /** @type {HTMLElement} */ (cell(1).firstElementChild),
      direction: cell(2), from: cell(3), to: cell(4), duration: cell(5), verb: cell(6),
      action: /** @type {HTMLButtonElement} */ (cell(7).firstElementChild),
    };
    /** @type {Row} */
    const row = { call: /** @type {CallJson} */ ({}), verb: null, el, startMs: 0, cells, children: new Set(), parent: null, bridged };
    this.update(row, call, verb);
    return row;
  }

  /** Writes only the cells whose value changed. @param {Row} row @param {CallJson} call @param {string | null} verb */
  update(row, call, verb) {
    const old = row.call;
    if (old.status !== call.status) {
      row.cells.status.textContent = call.status;
      row.cells.status.className = `badge status-${call.status}`;
      row.cells.action.textContent = call.status === 'in-progress' ? 'Hang up' : 'Cancel';
      row.el.dataset.status = call.status;
    }
    if (old.direction !== call.direction) row.cells.direction.textContent = call.direction;
    if (old.from !== call.from) row.cells.from.textContent = call.from;
    if (old.to !== call.to) row.cells.to.textContent = call.to;
    if (old.start_time !== call.start_time) row.startMs = call.start_time ? Date.parse(call.start_time) : 0;
    if (call.status !== 'in-progress') row.cells.duration.textContent = '';
    else if (old.status !== 'in-progress') row.cells.duration.textContent = formatDuration((this.serverNow() - row.startMs) / 1000);
    // A leg that runs no TwiML of its own (a <Dial>'s child) shows that it is bridged instead.
    const shown = verb ?? (call.status !== 'in-progress' ? '…' : row.bridged ? 'bridged' : '');
    if (row.cells.verb.textContent !== shown) row.cells.verb.textContent = shown;
    row.call = call;
    row.verb = verb;
  }

  /** Puts a new row in the tree: a leg after its parent's last leg, a new call first. @param {Row} row */
  insert(row) {
    this.rows.set(row.call.sid, row);
    const parent = row.call.parent_call_sid ? this.rows.get(row.call.parent_call_sid) : undefined;
    if (!parent) {
      row.el.style.setProperty('--depth', '0');
      this.tbody.insertBefore(row.el, this.tbody.firstChild);
      return;
    }
    const after = this.lastOfSubtree(parent);
    parent.children.add(row.call.sid);
    row.parent = parent.call.sid;
    row.el.style.setProperty('--depth', String(Number(parent.el.style.getPropertyValue('--depth') || 0) + 1));
    after.el.after(row.el);
  }

  /** @param {Row} row @returns {Row} */
  lastOfSubtree(row) {
    let last = row;
    for (const child of row.children) {
      const childRow = this.rows.get(child);
      if (childRow) last = this.lastOfSubtree(childRow);
    }
    return last;
  }

  /** An ended call leaves the table; its legs stay, one level up. @param {Row} row */
  remove(row) {
    this.rows.delete(row.call.sid);
    row.el.remove();
    if (row.parent) this.rows.get(row.parent)?.children.delete(row.call.sid);
    for (const child of row.children) {
      const childRow = this.rows.get(child);
      if (!childRow) continue;
      childRow.parent = null;
      const depth = Number(childRow.el.style.getPropertyValue('--depth') || 1);
      childRow.el.style.setProperty('--depth', String(Math.max(0, depth - 1)));
    }
  }
}
