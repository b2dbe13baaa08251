/**
 * The lifecycle of one carrier leg (a SIP dialog's media side or a simulated call), with its
 * legal transitions in one table and one guarded `to()` (house-review.md defect 5; after
 * SIP.js `stateTransition`):
 *
 * ```
 * dialing ──► ringing ──► answered ◄──► bridged
 *    │           │           ▲ ▼          ▲ ▼
 *    │           │           held ◄───────┘
 *    └───────────┴─────── every state ──► ended
 * ```
 * `dialing` is an outbound leg not yet heard from; an inbound leg starts `ringing`.
 */
export type LegState = 'dialing' | 'ringing' | 'answered' | 'bridged' | 'held' | 'ended';

const LEGAL: Record<LegState, readonly LegState[]> = {
  dialing: ['ringing', 'answered', 'ended'],
  ringing: ['answered', 'ended'],
  answered: ['bridged', 'held', 'ended'],
  bridged: ['answered', 'held', 'ended'],
  held: ['answered', 'bridged', 'ended'],
  ended: [],
};

export function canLegTransition(from: LegState, to: LegState): boolean {
  return LEGAL[from].includes(to);
}

/** Whether the far end has picked up (answered, bridged or held) and hears what is played. */
export function legIsUp(state: LegState): boolean {
  return state === 'answered' || state === 'bridged' || state === 'held';
}

/** An illegal leg transition is a bug in the adapter, not bad input. */
export class InvalidLegTransition extends Error {
  constructor(readonly from: LegState, readonly to: LegState) {
    super(`illegal leg transition ${from} -> ${to}`);
  }
}

/** Holds a leg's state; `to()` is the only way it changes. */
export class LegLifecycle {
  private current: LegState;

  constructor(initial: LegState, private readonly changed?: (from: LegState, to: LegState) => void) {
    this.current = initial;
  }

  get state(): LegState {
    return this.current;
  }

  /** Moves to `next`; throws InvalidLegTransition when the table does not allow it. */
  to(next: LegState): void {
    const from = this.current;
    if (!canLegTransition(from, next)) throw new InvalidLegTransition(from, next);
    this.current = next;
    this.changed?.(from, next);
  }

  /** Like `to`, but a no-op (false) when the move is not legal from here: for idempotent stops. */
  tryTo(next: LegState): boolean {
    if (!canLegTransition(this.current, next)) return false;
    this.to(next);
    return true;
  }
}
