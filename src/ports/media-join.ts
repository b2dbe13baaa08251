import type { Media, MediaJoin } from './carrier.js';

/** A leg as a bridge sees it: its media, and the call it belongs to (for `fromCallSid`). */
export interface BridgeEnd {
  callSid: string;
  media: Media;
}

/**
 * Joins two legs' audio both ways (a `<Dial>` bridge). A carrier that holds both legs joins
 * them natively (`Media.join`); legs of different kinds are linked through the audio path:
 * what one far end sends (`tap`) is played to the other (`feed`). Closing is idempotent.
 */
export function bridgeMedia(a: BridgeEnd, b: BridgeEnd): MediaJoin {
  const native = a.media.join(b.media) ?? b.media.join(a.media);
  if (native) return native;
  const aToB = a.media.tap((signal) => b.media.feed(signal, a.callSid));
  const bToA = b.media.tap((signal) => a.media.feed(signal, b.callSid));
  let open = true;
  return {
    close() {
      if (!open) return;
      open = false;
      aToB.close();
      bToA.close();
    },
  };
}
