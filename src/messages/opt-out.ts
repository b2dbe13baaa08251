/**
 * Twilio's default opt-out handling on long codes and toll-free numbers (messaging.md §8): a
 * message that is exactly one keyword (any case, surrounding spaces ignored) opts the sender
 * out, back in, or asks for help, and gets the default reply. The message still reaches the app.
 */
export type OptKeyword = 'STOP' | 'START' | 'HELP';

const KEYWORDS: Record<string, OptKeyword> = {
  STOP: 'STOP', STOPALL: 'STOP', UNSUBSCRIBE: 'STOP', CANCEL: 'STOP', END: 'STOP', QUIT: 'STOP',
  START: 'START', YES: 'START', UNSTOP: 'START',
  HELP: 'HELP', INFO: 'HELP',
};

export function optKeyword(body: string): OptKeyword | null {
  return KEYWORDS[body.trim().toUpperCase()] ?? null;
}

/** The default replies, as Twilio's support article words them. */
export const OPT_REPLIES: Record<OptKeyword, string> = {
  STOP: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
  START: 'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
  HELP: 'Reply STOP to unsubscribe. Msg&Data Rates May Apply.',
};
