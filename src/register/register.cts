/**
 * `node --import switchboard/register app.js` (or `--require`): every request the process makes
 * for a `*.twilio.com` host goes to Switchboard instead, so an app that builds its own `twilio`
 * client, and cannot be told a base URL, runs here unchanged.
 *
 * Why a patch of `http(s).request`/`get` (sdk-hosts.md §5): no Twilio tool reads a base URL from
 * the environment (§3); every `twilio` release (3.x `request`, 3.41+ axios), twilio-cli's
 * `CliRequestClient` and twilio-run's forked function workers call Node's own `request` looked up
 * on the module at call time, and ESM and CommonJS share that module object. The target is plain
 * HTTP, so no certificate for `*.twilio.com` is needed.
 *
 * Environment (read once, at load):
 * - `SWITCHBOARD_URL`: where Switchboard listens (default `http://127.0.0.1:8080`).
 * - `SWITCHBOARD_ACCOUNT_SID` + `SWITCHBOARD_AUTH_TOKEN`: when both are set, the request is made
 *   as that account whatever credentials the app holds (its `.env` may carry a real Twilio
 *   account): the Basic credentials and the `/Accounts/{AC…}` path segment are replaced.
 *
 * The product host (`api`, `messaging`, `api.sydney.au1`…) is kept in the `Host` header (in
 * `X-Forwarded-Host` for `fetch`), which is how Switchboard tells the hosts it serves from those
 * it answers with Twilio's 404.
 *
 * CommonJS on purpose: `--require` needs it, and `--import` loads it as well.
 */
import http = require('node:http');
import https = require('node:https');

type RequestFn = typeof http.request;

const target = new URL(process.env.SWITCHBOARD_URL || 'http://127.0.0.1:8080');
const accountSid = process.env.SWITCHBOARD_ACCOUNT_SID || '';
const authToken = process.env.SWITCHBOARD_AUTH_TOKEN || '';
const asAccount = /^AC[0-9a-fA-F]{32}$/.test(accountSid) && authToken !== '';
const basicAuth = 'Basic ' + Buffer.from(`${accountSid}:${authToken}`).toString('base64');
/** The 2010-04-01 path with the app's account SID replaced by Switchboard's. */
const accountPath = (path: string) => path.replace(/^(\/2010-04-01\/Accounts\/)AC[0-9a-fA-F]{32}(?=[/.?]|$)/, `$1${accountSid}`);

/** The real `http.request` (or `https.request` for an https Switchboard), taken before patching. */
const send: RequestFn = target.protocol === 'https:' ? https.request : http.request;
const agent = new (target.protocol === 'https:' ? https.Agent : http.Agent)({ keepAlive: true });

const bare = (host: unknown) => String(host ?? '').replace(/^\[|\]$/g, '').replace(/:\d+$/, '').toLowerCase();
const isTwilio = (host: unknown) => /(^|\.)twilio\.com$/.test(bare(host));

/** Options from any of the `request(url, options, callback)` call shapes Node accepts. */
function optionsOf(args: unknown[]): { options: http.RequestOptions; callback?: (res: http.IncomingMessage) => void } {
  let options: http.RequestOptions = {};
  let callback: ((res: http.IncomingMessage) => void) | undefined;
  for (const arg of args) {
    if (typeof arg === 'function') callback = arg as typeof callback;
    else if (typeof arg === 'string' || arg instanceof URL) {
      const url = new URL(arg);
      const auth = url.username ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {};
      options = { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search, ...auth, ...options };
    } else if (arg && typeof arg === 'object') options = { ...options, ...(arg as http.RequestOptions) };
  }
  return { options, callback };
}

/** Node takes headers as an object or as a flat `[name, value, name, value…]` array. */
function headerPairs(headers: http.RequestOptions['headers']): [string, http.OutgoingHttpHeader | undefined][] {
  if (!Array.isArray(headers)) return Object.entries(headers ?? {});
  const flat = headers as readonly string[];
  return Array.from({ length: Math.floor(flat.length / 2) }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]]);
}

/** The request as Switchboard receives it: same method, path, headers and body, another address. */
function redirected(options: http.RequestOptions): http.RequestOptions {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [name, value] of headerPairs(options.headers)) {
    if (name.toLowerCase() !== 'host' && !(asAccount && name.toLowerCase() === 'authorization')) headers[name] = value;
  }
  headers.host = bare(options.hostname ?? options.host);
  let path = options.path ?? '/';
  const rest: http.RequestOptions = { ...options };
  if (asAccount) {
    headers.authorization = basicAuth;
    path = accountPath(path);
    delete rest.auth;
  }
  // An SDK's https or proxy agent cannot carry a plain-HTTP request (ERR_INVALID_PROTOCOL), and
  // the TLS options were meant for Twilio's certificate: sdk-hosts.md §5, "Pitfalls".
  for (const key of ['ca', 'cert', 'key', 'pfx', 'servername', 'checkServerIdentity', 'createConnection', 'lookup', 'socketPath', 'localAddress', 'family'] as const) {
    delete (rest as Record<string, unknown>)[key];
  }
  return {
    ...rest, protocol: target.protocol, host: undefined, hostname: target.hostname.replace(/^\[|\]$/g, ''),
    port: target.port || (target.protocol === 'https:' ? 443 : 80), path, headers, agent,
  };
}

function wrap(original: RequestFn, isGet: boolean): RequestFn {
  return function (this: unknown, ...args: unknown[]) {
    const { options, callback } = optionsOf(args);
    if (!isTwilio(options.hostname ?? options.host)) return (original as (...a: unknown[]) => http.ClientRequest).apply(this, args);
    const request = send(redirected(options), callback);
    if (isGet) request.end();
    return request;
  } as RequestFn;
}

// The module objects are shared by every `require` and `import` of them, so one patch serves both.
Object.assign(http, { request: wrap(http.request, false), get: wrap(http.get, true) });
Object.assign(https, { request: wrap(https.request, false), get: wrap(https.get, true) });

// No SDK uses `fetch`, but apps do, e.g. to download a recording's media from the URL the API
// gave them. `fetch` may not set `Host`, so the product host travels in `X-Forwarded-Host`.
const realFetch = globalThis.fetch;
if (typeof realFetch === 'function') {
  globalThis.fetch = function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const original = new Request(input, init);
    const url = new URL(original.url);
    if (!isTwilio(url.hostname)) return realFetch(input, init);
    const headers = new Headers(original.headers);
    headers.set('x-forwarded-host', bare(url.hostname));
    let path = url.pathname;
    if (asAccount) {
      headers.set('authorization', basicAuth);
      path = accountPath(path);
    }
    const body = original.body;
    return realFetch(new URL(path + url.search, target), {
      method: original.method, headers, body, redirect: original.redirect, signal: original.signal,
      ...(body && { duplex: 'half' }),
    } as RequestInit);
  };
}

// twilio-run replaces the whole environment with the project's `.env` (`process.env =
// config.env`) before it forks a worker per request, which would drop the preload
// (`NODE_OPTIONS`) and its target from the workers. An environment that replaces this one keeps
// them, unless it sets them itself.
const carried = Object.fromEntries(
  ['NODE_OPTIONS', 'SWITCHBOARD_URL', 'SWITCHBOARD_ACCOUNT_SID', 'SWITCHBOARD_AUTH_TOKEN'].flatMap((name) =>
    process.env[name] === undefined ? [] : [[name, process.env[name]!]]),
);
let environment = process.env;
Object.defineProperty(process, 'env', {
  configurable: true,
  enumerable: true,
  get: () => environment,
  set: (next: NodeJS.ProcessEnv) => {
    environment = next;
    if (next && typeof next === 'object') for (const [name, value] of Object.entries(carried)) if (next[name] === undefined) next[name] = value;
  },
});

// A proxy in the environment would make `request` (twilio 3.0–3.40) and axios's own proxy support
// (3.41–3.55, twilio-cli) open a tunnel to the proxy host, which this patch does not see:
// sdk-hosts.md §3–4. Twilio's hosts bypass the proxy instead.
if (['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => process.env[name])) {
  for (const name of ['NO_PROXY', 'no_proxy']) {
    process.env[name] = [process.env[name], '.twilio.com'].filter(Boolean).join(',');
  }
}
