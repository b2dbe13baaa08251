import type { FastifyInstance } from 'fastify';
import { conferenceBeepWav, holdMusicWav } from '../audio/hold-music.js';
import { BEEP_PATH, HOLD_MUSIC_PATH } from '../ports/media-assets.js';

/**
 * The built-in audio (ports/media-assets.ts), public like Twilio's own hold-music bucket: a
 * carrier or a phone fetches it without credentials. Made once, on first request.
 */
export function registerAssetRoutes(app: FastifyInstance): void {
  const serve = (path: string, make: () => Buffer) => {
    let body: Buffer | null = null;
    app.get(path, async (_request, reply) => {
      body ??= make();
      return reply.type('audio/wav').header('cache-control', 'public, max-age=86400').send(body);
    });
  };
  serve(HOLD_MUSIC_PATH, holdMusicWav);
  serve(BEEP_PATH, conferenceBeepWav);
}
