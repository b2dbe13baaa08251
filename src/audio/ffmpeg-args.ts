/**
 * ffmpeg arguments that read stdin and write 8 kHz mono signed 16-bit little-endian PCM to
 * stdout. `inputFormat` skips probing when the format is known (espeak-ng's WAV); without
 * it ffmpeg detects MP3, WAV, OGG, FLAC… from the bytes. Quiet unless something fails, so
 * stderr holds the reason. `-vn` drops a cover picture an MP3 may carry.
 */
export function ffmpegToPcm8k(inputFormat?: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error',
    ...(inputFormat ? ['-f', inputFormat] : []),
    '-i', 'pipe:0', '-vn', '-ar', '8000', '-ac', '1', '-f', 's16le', 'pipe:1',
  ];
}
