/**
 * Call status values and the legal transitions between them.
 * Twilio: Call resource "Call Status values" and call-lifecycle.md §1–§2.
 *
 * ```
 * queued ──► ringing ──► in-progress ──► completed | failed
 *   │           └──► busy | no-answer | failed | canceled
 *   ├──► in-progress                        (answered with no ringing step)
 *   └──► busy | no-answer | failed | canceled   (refused, unanswered or canceled before ringing)
 * ```
 * `initiated` is never a resource status: it is only a status-callback event.
 */
export type CallStatus =
  | 'queued'
  | 'ringing'
  | 'in-progress'
  | 'completed'
  | 'busy'
  | 'failed'
  | 'no-answer'
  | 'canceled';

export const CALL_STATUSES: readonly CallStatus[] = [
  'queued', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled',
];

export type TerminalStatus = 'completed' | 'busy' | 'failed' | 'no-answer' | 'canceled';

const LEGAL: Record<CallStatus, readonly CallStatus[]> = {
  queued: ['ringing', 'in-progress', 'canceled', 'failed', 'busy', 'no-answer'],
  ringing: ['in-progress', 'busy', 'no-answer', 'failed', 'canceled'],
  'in-progress': ['completed', 'failed'],
  completed: [],
  busy: [],
  failed: [],
  'no-answer': [],
  canceled: [],
};

export function isTerminal(status: CallStatus): status is TerminalStatus {
  return LEGAL[status].length === 0;
}

export function isCallStatus(value: unknown): value is CallStatus {
  return typeof value === 'string' && (CALL_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: CallStatus, to: CallStatus): boolean {
  return LEGAL[from].includes(to);
}

/** Thrown when code asks for a transition the table above does not allow: a bug, not input. */
export class InvalidTransition extends Error {
  constructor(readonly from: CallStatus, readonly to: CallStatus) {
    super(`illegal call status transition ${from} -> ${to}`);
  }
}

/** Status-callback events a caller may subscribe to (`call_enum_event`). */
export type CallEvent = 'initiated' | 'ringing' | 'answered' | 'completed';
export const CALL_EVENTS: readonly CallEvent[] = ['initiated', 'ringing', 'answered', 'completed'];
