/**
 * Audio Switchboard serves itself (no internet needed): the built-in hold music that stands in
 * for Twilio's default wait playlist (conferences.md §2 `waitUrl`), and the conference beep.
 * Absolute URLs, since a carrier fetches them like any `<Play>` URL.
 */
export interface MediaAssets {
  holdMusicUrl(): string;
  beepUrl(): string;
}

/** Where the HTTP server serves them (docs/compatibility.md, "Conferences"). */
export const HOLD_MUSIC_PATH = '/assets/hold-music.wav';
export const BEEP_PATH = '/assets/conference-beep.wav';

/**
 * Twilio's default `waitUrl` (its S3 "classical" playlist): treated as an alias for the
 * built-in hold music, so apps that name it explicitly work offline too.
 */
export const TWILIO_HOLD_PLAYLIST = 'https://s3.amazonaws.com/com.twilio.sounds.music/index.xml';

/** Asset URLs under `baseUrl()` (the server's address, known once it listens). */
export function mediaAssetsAt(baseUrl: () => string): MediaAssets {
  return { holdMusicUrl: () => baseUrl() + HOLD_MUSIC_PATH, beepUrl: () => baseUrl() + BEEP_PATH };
}
