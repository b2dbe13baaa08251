/**
 * The two methods Twilio accepts wherever it requests a URL (`Method`, `StatusCallbackMethod`,
 * `FallbackMethod`, `RecordingStatusCallbackMethod`, a verb's `method`): webhooks.md §1.
 * Its own file because calls, recordings and TwiML all use it and none of them owns it.
 */
export type HttpMethod = 'GET' | 'POST';
