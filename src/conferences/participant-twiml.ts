import type { ConferenceSettings, ParticipantOptions } from '../domain/conference.js';

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The TwiML a REST-added participant's call runs once it answers: one `<Dial><Conference>`
 * with the participant's flags, and nothing after it, so leaving the room ends the call
 * (conferences.md §7). The room already exists with its settings; they are repeated for clarity only.
 */
export function participantTwiml(name: string, p: ParticipantOptions, settings: ConferenceSettings): string {
  const attrs: [string, string | null][] = [
    ['muted', String(p.muted)],
    ['beep', p.beep],
    ['startConferenceOnEnter', String(p.startConferenceOnEnter)],
    ['endConferenceOnExit', String(p.endConferenceOnExit)],
    ['waitUrl', p.waitUrl],
    ['waitMethod', p.waitMethod],
    ['coach', p.coach],
    ['participantLabel', p.label],
    ['maxParticipants', String(settings.maxParticipants)],
  ];
  const text = attrs.filter((a): a is [string, string] => a[1] !== null).map(([k, v]) => ` ${k}="${escape(v)}"`).join('');
  return `<Response><Dial><Conference${text}>${escape(name)}</Conference></Dial></Response>`;
}
