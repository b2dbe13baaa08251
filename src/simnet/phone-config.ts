/** `answer` picks up, `busy` returns busy at once, `no-answer` rings until the timeout, `fail` cannot be reached. */
export const PHONE_ANSWERS = ['answer', 'busy', 'no-answer', 'fail'] as const;

/**
 * How a simulated phone responds when called (design.md: scripted virtual phones). A phone is
 * named by whatever a call is dialled to: an E.164 number, or a `client:` identity.
 */
/** How the phone takes a text (messaging.md §2): `deliver`, `undeliver` (30003), `fail` (30006). */
export const PHONE_SMS = ['deliver', 'undeliver', 'fail'] as const;

export interface PhoneConfig {
  answer: (typeof PHONE_ANSWERS)[number];
  /** For texts sent to this phone; default `deliver`. */
  sms?: (typeof PHONE_SMS)[number];
  /** For `answer`: how long it rings first, in call-time ms. Default 1000 (one ring). */
  answerAfterMs?: number;
}

/** A far-end phone's behaviour for one outbound call (see `SimNetwork.configurePhone`). */
export type PhoneBehaviour = Required<Omit<PhoneConfig, 'sms'>>;
