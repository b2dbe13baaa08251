import type { SayOptions } from '../ports/carrier.js';

/**
 * Which espeak-ng voice speaks a Twilio `<Say voice language>` (https://www.twilio.com/docs/voice/twiml/say).
 * The result is `<language voice>[+<variant>]`, as `espeak-ng -v` takes it.
 *
 * Language (the `language` attribute, case-insensitive):
 * - an exact Twilio tag from LANGUAGES below (en-US → en-us, en-GB → en-gb, es-ES → es,
 *   fr-FR → fr-fr, de-DE → de, es-MX → es-419, pt-BR → pt-br, zh-CN → cmn, zh-HK → yue, …);
 *   tags espeak has no accent for go to the nearest one it has (en-AU and en-IN → en-gb,
 *   en-CA → en-us, fr-CA → fr-fr);
 * - otherwise its primary subtag when espeak has that language (it-CH → it);
 * - otherwise en-us, Twilio's default language.
 *
 * Variant (the `voice` attribute): espeak has no real voices to match Twilio's, only
 * variants of one synthesiser, so we keep the one thing a listener notices, the gender.
 * - `man` → +m3; `woman` → +f3; `alice` → +f2 (another female timbre than `woman`);
 * - `Polly.<Name>` (also `-Neural`/`-Generative`) → +m3 for Amazon's male voices in
 *   POLLY_MALE, +f3 for the others (most Polly voices are female);
 * - `Google.*` and anything else → no variant, espeak's default (male) voice: Google's
 *   voice letters do not say the gender consistently across languages.
 */
export function espeakVoice(options: SayOptions): string {
  return espeakLanguage(options.language) + espeakVariant(options.voice);
}

const LANGUAGES: Record<string, string> = {
  'en-us': 'en-us', 'en-gb': 'en-gb', 'en-au': 'en-gb', 'en-in': 'en-gb', 'en-ca': 'en-us', 'en-nz': 'en-gb',
  'en-ie': 'en-gb', 'en-za': 'en-gb', 'en-gb-wls': 'en-gb',
  'es-es': 'es', 'es-mx': 'es-419', 'es-us': 'es-419',
  'fr-fr': 'fr-fr', 'fr-ca': 'fr-fr', 'fr-be': 'fr-be', 'fr-ch': 'fr-ch',
  'de-de': 'de', 'de-at': 'de', 'de-ch': 'de',
  'pt-br': 'pt-br', 'pt-pt': 'pt',
  'zh-cn': 'cmn', 'zh-tw': 'cmn', 'cmn-cn': 'cmn', 'zh-hk': 'yue', 'yue-hk': 'yue',
  'nb-no': 'nb', 'no-no': 'nb', 'arb': 'ar',
};

/** espeak-ng 1.51 voices named by a bare ISO 639 code (`espeak-ng --voices`). */
const PRIMARY = new Set([
  'af', 'ar', 'bg', 'bn', 'ca', 'cs', 'cy', 'da', 'de', 'el', 'es', 'et', 'eu', 'fa', 'fi', 'ga', 'gu', 'he',
  'hi', 'hr', 'hu', 'hy', 'id', 'is', 'it', 'ja', 'ka', 'kn', 'ko', 'lt', 'lv', 'mk', 'ml', 'mr', 'ms', 'nb',
  'nl', 'pa', 'pl', 'pt', 'ro', 'ru', 'sk', 'sl', 'sq', 'sr', 'sv', 'sw', 'ta', 'te', 'th', 'tr', 'uk', 'ur', 'vi',
]);

const POLLY_MALE = new Set([
  'matthew', 'joey', 'justin', 'kevin', 'stephen', 'gregory', 'brian', 'arthur', 'russell', 'geraint', 'aditi-male',
  'enrique', 'miguel', 'andres', 'sergio', 'pedro', 'mathieu', 'remi', 'hans', 'daniel', 'giorgio', 'adriano',
  'takumi', 'ricardo', 'cristiano', 'thiago', 'maxim', 'jacek', 'jan', 'ruben', 'mads', 'karl', 'liam', 'zhiyu-male',
]);

function espeakLanguage(language: string): string {
  const tag = language.trim().toLowerCase().replace(/_/g, '-');
  const exact = LANGUAGES[tag];
  if (exact) return exact;
  const primary = tag.split('-')[0];
  return PRIMARY.has(primary) ? primary : 'en-us';
}

function espeakVariant(voice: string): string {
  const name = voice.trim().toLowerCase();
  if (name === 'man') return '+m3';
  if (name === 'woman') return '+f3';
  if (name === 'alice') return '+f2';
  if (name.startsWith('polly.')) {
    const speaker = name.slice('polly.'.length).replace(/-(neural|generative|standard|long-form)$/, '');
    return POLLY_MALE.has(speaker) ? '+m3' : '+f3';
  }
  return '';
}
