/**
 * The console's only way to the server: the public REST API (what the console does, the SDK
 * can do), the simulated network's `/sim/v1` and the `/console/v1` snapshot, all with the
 * account's Basic credentials on every request.
 *
 * Every fetch sends `credentials: 'omit'`: the REST API answers a wrong password with
 * `WWW-Authenticate: Basic`, and a same-origin fetch that includes credentials would let the
 * browser pop its own sign-in dialog (Fetch standard, HTTP-network-or-cache fetch, 401 step).
 * The Authorization header is the page's own, so it is sent regardless.
 */

/** A Twilio error body (`code`, `message`, `more_info`, `status`) as an exception. */
export class ApiError extends Error {
  /** @param {number} status @param {number | undefined} code @param {string} message @param {string | undefined} moreInfo */
  constructor(status, code, message, moreInfo) {
    super(message);
    this.status = status;
    this.code = code;
    this.moreInfo = moreInfo;
  }
}

export class Api {
  /** @param {string} accountSid @param {string} authToken */
  constructor(accountSid, authToken) {
    this.accountSid = accountSid;
    this.authorization = 'Basic ' + btoa(`${accountSid}:${authToken}`);
    this.base = `/2010-04-01/Accounts/${encodeURIComponent(accountSid)}`;
  }

  /**
   * One request; resolves with the parsed JSON body (or null for 204), rejects with ApiError.
   * @param {string} method @param {string} path
   * @param {{ form?: Record<string, string>, json?: unknown, signal?: AbortSignal }} [options]
   */
  async request(method, path, { form, json, signal } = {}) {
    /** @type {Record<string, string>} */
    const headers = { authorization: this.authorization, accept: 'application/json' };
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    } else if (json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(json);
    }
    const response = await fetch(path, { method, headers, body, credentials: 'omit', signal });
    if (response.status === 204) return null;
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: kept as text in the error below.
    }
    if (!response.ok) {
      throw new ApiError(response.status, parsed?.code, parsed?.message ?? (text || response.statusText), parsed?.more_info);
    }
    return parsed;
  }

  /** The fetch the event feed reads as a stream. @param {string} path @param {AbortSignal} signal @param {string | undefined} lastEventId */
  stream(path, signal, lastEventId) {
    /** @type {Record<string, string>} */
    const headers = { authorization: this.authorization, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    return fetch(path, { headers, credentials: 'omit', signal, cache: 'no-store' });
  }

  /** `/console/v1/live`: the live calls, each with `verb`, and the feed's `seq` at the snapshot. */
  live() {
    return this.request('GET', '/console/v1/live');
  }

  // Calls (calls-api.md)
  /** @param {Record<string, string>} filters Status, To, From, ParentCallSid, PageSize */
  listCalls(filters) {
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== '' && v !== undefined));
    return this.request('GET', `${this.base}/Calls.json?${query}`);
  }
  /** A next/previous page, by the relative URI the list gave. @param {string} uri */
  page(uri) {
    return this.request('GET', uri);
  }
  /** @param {string} sid */
  fetchCall(sid) {
    return this.request('GET', `${this.base}/Calls/${sid}.json`);
  }
  /** @param {string} sid @param {Record<string, string>} params Url/Method, Twiml, Status */
  updateCall(sid, params) {
    return this.request('POST', `${this.base}/Calls/${sid}.json`, { form: params });
  }
  /** @param {string} sid */
  notifications(sid) {
    return this.request('GET', `${this.base}/Calls/${sid}/Notifications.json?PageSize=1000`);
  }
  /** The call's stored HTTP exchanges, oldest first (call-events.md). @param {string} sid */
  exchanges(sid) {
    return this.request('GET', `${this.base}/Calls/${sid}/Events.json?PageSize=1000`);
  }
  /** @param {string} sid */
  recordings(sid) {
    return this.request('GET', `${this.base}/Calls/${sid}/Recordings.json?PageSize=1000`);
  }
  /**
   * A recording's WAV as a `blob:` URL for an `<audio>` element (which cannot send the
   * Authorization header itself). @param {{ uri: string }} recording
   */
  async recordingAudio(recording) {
    const response = await fetch(recording.uri.replace(/\.json$/, '.wav'), { headers: { authorization: this.authorization }, credentials: 'omit' });
    if (!response.ok) throw new ApiError(response.status, undefined, `The recording's audio is not available (HTTP ${response.status})`, undefined);
    return URL.createObjectURL(await response.blob());
  }

  // IncomingPhoneNumbers
  numbers() {
    return this.request('GET', `${this.base}/IncomingPhoneNumbers.json?PageSize=1000`);
  }
  /** @param {Record<string, string>} params */
  addNumber(params) {
    return this.request('POST', `${this.base}/IncomingPhoneNumbers.json`, { form: params });
  }
  /** @param {string} sid @param {Record<string, string>} params */
  updateNumber(sid, params) {
    return this.request('POST', `${this.base}/IncomingPhoneNumbers/${sid}.json`, { form: params });
  }
  /** @param {string} sid */
  removeNumber(sid) {
    return this.request('DELETE', `${this.base}/IncomingPhoneNumbers/${sid}.json`);
  }

  // The simulated network (README, "The simulated phone network")
  /** What the far end heard, or null when the call is not on the simulated network. @param {string} sid */
  async heard(sid) {
    try {
      return await this.request('GET', `/sim/v1/calls/${sid}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }
  /** @param {string} sid @param {string} digits */
  press(sid, digits) {
    return this.request('POST', `/sim/v1/calls/${sid}/digits`, { json: { digits } });
  }
  /** @param {string} sid @param {string} text */
  say(sid, text) {
    return this.request('POST', `/sim/v1/calls/${sid}/speech`, { json: { text } });
  }
  /** @param {string} sid */
  farEndHangup(sid) {
    return this.request('POST', `/sim/v1/calls/${sid}/hangup`, { json: {} });
  }
  /** @param {string} from @param {string} to */
  placeInbound(from, to) {
    return this.request('POST', '/sim/v1/calls', { json: { from, to } });
  }
  /** @param {string} number @param {{ answer: string, answerAfterMs?: number }} script */
  scriptPhone(number, script) {
    return this.request('PUT', `/sim/v1/phones/${encodeURIComponent(number)}`, { json: script });
  }
}
