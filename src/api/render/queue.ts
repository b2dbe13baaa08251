import { accountPath as base } from '../../domain/api-paths.js';
import { rfc2822 } from '../../domain/dates.js';
import type { MemberView, QueueView } from '../../queues/queue-service.js';

/** The Queue resource in Twilio's JSON shape (`api.v2010.account.queue`, queues.md §5): no subresource_uris. */
export function queueJson(q: QueueView): Record<string, unknown> {
  const r = q.record;
  return {
    date_updated: rfc2822(r.dateUpdated),
    current_size: q.currentSize,
    friendly_name: r.friendlyName,
    uri: `${base(r.accountSid)}/Queues/${r.sid}.json`,
    account_sid: r.accountSid,
    average_wait_time: q.averageWaitSec,
    sid: r.sid,
    date_created: rfc2822(r.dateCreated),
    max_size: r.maxSize,
  };
}

/** A Member (`api.v2010.account.queue.member`, queues.md §6); `uri` by CallSid, also when fetched as `Front`. */
export function memberJson(accountSid: string, m: MemberView): Record<string, unknown> {
  return {
    call_sid: m.callSid,
    date_enqueued: rfc2822(m.dateEnqueued),
    position: m.position,
    uri: `${base(accountSid)}/Queues/${m.queueSid}/Members/${m.callSid}.json`,
    wait_time: m.waitTimeSec,
    queue_sid: m.queueSid,
  };
}
