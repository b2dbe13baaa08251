/** `answer` picks up, `busy` returns busy at once, `no-answer` rings until the timeout, `fail` cannot be reached. */
export const PHONE_ANSWERS = ['answer', 'busy', 'no-answer', 'fail'] as const;

/**
 * How a simulated phone responds when called (design.md: scripted virtual phones). A phone is
 * named by whatever a call is dialled to: an E.164 number, or a `client:` identity.
 */
export interface PhoneConfig {
  answer: (typeof PHONE_ANSWERS)[number];
  /** For `answer`: how long it rings first, in call-time ms. Default 1000 (one ring). */
  answerAfterMs?: number;
}

/** A far-end phone's behaviour for one outbound call (see `SimNetwork.configurePhone`). */
export type PhoneBehaviour = Required<PhoneConfig>;
