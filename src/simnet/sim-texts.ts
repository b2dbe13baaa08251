import type { MessageCarrier, OutboundText, SendResult } from '../ports/message-carrier.js';
import { PHONE_SMS, type PhoneConfig } from './phone-config.js';

type SmsScript = NonNullable<PhoneConfig['sms']>;

/** A text in a simulated phone's inbox: what the phone received, in the order it arrived. */
export interface InboxEntry {
  sid: string;
  from: string;
  body: string;
  mediaUrls: string[];
  /** ISO 8601, when the delivery receipt said yes. */
  receivedAt: string;
}

/**
 * The texting side of the simulated network: each phone's `sms` script (issue 9: `deliver`,
 * `undeliver`, `fail`) decides what happens to a message sent to it, and a delivered message
 * lands in the phone's inbox. A phone never scripted takes every text.
 */
export class SimTexts implements MessageCarrier {
  private readonly scripts = new Map<string, SmsScript>();
  private readonly inboxes = new Map<string, InboxEntry[]>();

  configure(number: string, sms: SmsScript): void {
    if (!PHONE_SMS.includes(sms)) throw new RangeError(`sms must be one of ${PHONE_SMS.join(', ')}, not "${sms}"`);
    this.scripts.set(number, sms);
  }

  script(number: string): SmsScript {
    return this.scripts.get(number) ?? 'deliver';
  }

  /** Everything delivered to `number`, oldest first (a copy). */
  inbox(number: string): InboxEntry[] {
    return (this.inboxes.get(number) ?? []).map((entry) => ({ ...entry, mediaUrls: [...entry.mediaUrls] }));
  }

  send(text: OutboundText): SendResult {
    // The script is read when the text is handed over, as a phone's answer is read at dial time.
    const script = this.script(text.to);
    if (script === 'fail') return { outcome: 'failed', code: 30006 };
    return {
      outcome: 'sent',
      receipt: (at) => {
        if (script === 'undeliver') return { delivered: false, code: 30003 };
        const inbox = this.inboxes.get(text.to) ?? [];
        inbox.push({ sid: text.sid, from: text.from, body: text.body, mediaUrls: [...text.mediaUrls], receivedAt: new Date(at).toISOString() });
        this.inboxes.set(text.to, inbox);
        return { delivered: true };
      },
    };
  }
}
