/**
 * Transaction timer values for an unreliable transport (RFC 3261 §17 and Table 4 of
 * Appendix A, with RFC 6026's Timers L and M). Names follow the RFC so each use reads like
 * the section it implements.
 */

/** Round-trip time estimate (RFC 3261 §17.1.1.1). */
export const T1 = 500;
/** Maximum retransmit interval for non-INVITE requests and INVITE responses. */
export const T2 = 4_000;
/** Maximum time a message remains in the network. */
export const T4 = 5_000;

export const Timers = {
  T1,
  T2,
  T4,
  /** INVITE request retransmit: starts at T1 and doubles with no cap (§17.1.1.2). */
  TIMER_A: T1,
  /** INVITE transaction timeout. */
  TIMER_B: 64 * T1,
  /** Wait time for response retransmits in Completed (at least 32 s over UDP). */
  TIMER_D: 32_000,
  /** Non-INVITE request retransmit: starts at T1, doubles, capped at T2 (§17.1.2.2). */
  TIMER_E: T1,
  /** Non-INVITE transaction timeout. */
  TIMER_F: 64 * T1,
  /** INVITE response retransmit: starts at T1, doubles, capped at T2 (§17.2.1). */
  TIMER_G: T1,
  /** Wait time for ACK receipt. */
  TIMER_H: 64 * T1,
  /** Wait time for ACK retransmits (T4 over UDP). */
  TIMER_I: T4,
  /** Wait time for non-INVITE request retransmits (64*T1 over UDP). */
  TIMER_J: 64 * T1,
  /** Wait time for response retransmits of a non-INVITE transaction (T4 over UDP). */
  TIMER_K: T4,
  /** Wait time for INVITE retransmits in Accepted (RFC 6026 §8.9). */
  TIMER_L: 64 * T1,
  /** Wait time for 2xx retransmits in Accepted, client side (RFC 6026 §8.4). */
  TIMER_M: 64 * T1,
} as const;

/** The next retransmission interval: double the last one, capped at `cap` when given. */
export function doubled(intervalMs: number, cap: number = Number.POSITIVE_INFINITY): number {
  return Math.min(intervalMs * 2, cap);
}
