import type { FastifyInstance } from 'fastify';
import { notFound } from '../domain/errors.js';

/**
 * Which `*.twilio.com` names this server answers for. The preload (`switchboard/register`)
 * sends every Twilio host here and keeps the original name in `Host` (sdk-hosts.md §5), or in
 * `X-Forwarded-Host` for `fetch`, which may not set `Host`; the
 * 2010-04-01 API lives on `api.twilio.com`, also under an edge and region
 * (`api.sydney.au1.twilio.com`, sdk-hosts.md §1). Any other product host (`verify`, `studio`…)
 * gets Twilio's 404 body on every path, so an SDK raises its usual RestException instead of a
 * connection error. A `Host` outside `twilio.com` (a client given the base URL) is served as `api`.
 */
const TWILIO_HOST = /(^|\.)twilio\.com$/;
const SERVED_HOST = /^api(\.[a-z0-9-]+){0,2}\.twilio\.com$/;

export function servesHost(hostHeader: string | undefined): boolean {
  const host = (hostHeader ?? '').replace(/:\d+$/, '').toLowerCase();
  return !TWILIO_HOST.test(host) || SERVED_HOST.test(host);
}

export function registerTwilioHosts(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request and needs no promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const forwarded = request.headers['x-forwarded-host'];
    const host = (Array.isArray(forwarded) ? forwarded[0] : forwarded) ?? request.headers.host;
    done(servesHost(host) ? undefined : notFound(request.url.split('?', 1)[0]!));
  });
}
