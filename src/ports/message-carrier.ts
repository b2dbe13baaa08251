/**
 * The message carrier port: where an outbound Message goes once it leaves the queue. The
 * simulated network is the adapter (each phone's `sms` script decides the outcome, and what is
 * delivered lands in its inbox); a real SMS carrier would be another.
 */
export interface MessageCarrier {
  /**
   * Hands a text to the far end. `sent` means the carrier took it: `delivered()` on the result
   * then reports the delivery receipt. `failed` means it could not be sent at all.
   */
  send(text: OutboundText): SendResult;
}

export interface OutboundText {
  sid: string;
  from: string;
  to: string;
  body: string;
  mediaUrls: string[];
}

/** 30003 unreachable handset (undelivered), 30006 landline or unreachable carrier (failed): messaging.md §7. */
export type DeliveryErrorCode = 30003 | 30006;

export type SendResult =
  | { outcome: 'sent'; /** The delivery receipt; puts the text in the far end's inbox when it says yes. */ receipt(at: number): { delivered: true } | { delivered: false; code: DeliveryErrorCode } }
  | { outcome: 'failed'; code: DeliveryErrorCode };
