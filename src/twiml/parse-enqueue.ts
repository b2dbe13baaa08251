import { MAX_QUEUE_NAME, MAX_QUEUE_SIZE } from '../domain/queue.js';
import { isTwimlUrl, readEnum, readMethod, readText, type Warn } from './attributes.js';
import { expectEmpty, textContent } from './content.js';
import type { EnqueueVerb, LeaveVerb } from './verbs.js';
import type { XmlElement } from './xml.js';

/**
 * `<Enqueue action method waitUrl waitUrlMethod>name</Enqueue>` (queues.md §2). Bad methods
 * (14201, 14206) fall back to POST; a bad `action` (14203) is dropped, a bad `waitUrl` (14202)
 * becomes the built-in hold music. A name that is empty (14204) or over 64 characters (14205),
 * and TaskRouter's `workflowSid` (14226, "not supported in this realm"), make an `<Enqueue>`
 * that queues nobody: it ends with `QueueResult=error` when reached.
 */
export function parseEnqueue(el: XmlElement, warn: Warn): EnqueueVerb {
  const name = textContent(el, warn);
  const method = readMethod(el.attrs, 'Enqueue', 14201, warn);
  const waitUrlMethod = readEnum(el.attrs, { verb: 'Enqueue', name: 'waitUrlMethod', code: 14206, fallback: 'POST' as const }, ['GET', 'POST'] as const, warn);
  let action = readText(el.attrs, 'action', null);
  if (action !== null && !isTwimlUrl(action)) {
    warn({ code: 14203, message: `<Enqueue action="${action}"> is not an http(s) or relative URL; ignored` });
    action = null;
  }
  // An empty waitUrl is meaningful (silence): read it raw.
  let waitUrl = el.attrs.has('waitUrl') ? el.attrs.get('waitUrl')!.trim() : null;
  if (waitUrl && !isTwimlUrl(waitUrl)) {
    warn({ code: 14202, message: `<Enqueue waitUrl="${waitUrl}"> is not an http(s) or relative URL; playing the built-in hold music` });
    waitUrl = null;
  }
  // Undocumented (twilio-node's model only): an unreadable value is ignored without a warning.
  const rawSize = el.attrs.get('maxQueueSize')?.trim() ?? '';
  const size = /^[0-9]+$/.test(rawSize) && Number(rawSize) >= 1 ? Number(rawSize) : null;
  const verb: EnqueueVerb = {
    kind: 'Enqueue', name, action, method, waitUrl, waitUrlMethod,
    maxQueueSize: size === null ? null : Math.min(size, MAX_QUEUE_SIZE), problem: null,
  };
  if (el.attrs.has('workflowSid')) verb.problem = { code: 14226, message: '<Enqueue workflowSid> (TaskRouter) is not supported by Switchboard' };
  else if (name === '') verb.problem = { code: 14204, message: '<Enqueue> needs a queue name as its text' };
  else if ([...name].length > MAX_QUEUE_NAME) verb.problem = { code: 14205, message: `<Enqueue> queue name is over ${MAX_QUEUE_NAME} characters` };
  return verb;
}

/** `<Leave>` has no attributes and no content (queues.md §3). */
export function parseLeave(el: XmlElement, warn: Warn): LeaveVerb {
  expectEmpty(el, warn, []);
  return { kind: 'Leave' };
}
