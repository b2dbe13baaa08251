/**
 * 9. Transcription accuracy of the offline recognizer (issue 9, point 5): the word error rate
 * of pocketsphinx (Debian `pocketsphinx` + `pocketsphinx-en-us`) on espeak-ng sentences that a
 * real softphone (baresip) sends over RTP (PCMU, 8 kHz) into `<Record transcribe>`, read from
 * the signed transcribe callbacks. WER = (substitutions + deletions + insertions) / reference
 * words, over all sentences. Informational: no target (README, "Transcription", says what it means).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withBaresip } from '../test/peers/baresip.js';
import { espeakWavFixture } from '../test/peers/pcap.js';
import { createCall, startSipSwitchboard } from './dial-app.js';
import { withTimeout } from './lib.js';
import { fmt, notes, rows } from './report.js';
import { closeServer, listenLocal } from './sip-support.js';

const log = (message: string) => process.stderr.write(`[bench] ${message}\n`);

const SENTENCES = [
  'Hi, are you there? I will call you back later.',
  'Please call me back tomorrow morning about the invoice.',
  'The meeting has moved to three o\'clock on Monday.',
  'This is a message for John from the doctor\'s office.',
  'Thank you for calling, have a nice day.',
];

const words = (text: string) => text.toLowerCase().match(/[a-z']+/g) ?? [];

/** Word-level Levenshtein distance: the errors of `hypothesis` against `reference`. */
export function wordErrors(reference: string[], hypothesis: string[]): number {
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const same = reference[i - 1] === hypothesis[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + same);
    }
    previous = current;
  }
  return previous[hypothesis.length]!;
}

const installed = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

export async function benchTranscribe(): Promise<void> {
  const missing = ['baresip', 'espeak-ng', 'pocketsphinx_continuous'].filter((t) => !installed(t));
  if (missing.length > 0) {
    notes.push(`transcribe-wer: skipped, ${missing.join(', ')} not installed (scripts/install-test-peers.sh)`);
    return;
  }
  const sb = await startSipSwitchboard(40);
  const callbacks = new Map<string, (text: string) => void>();
  const app = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      if (req.url === '/t') callbacks.get(form.get('CallSid') ?? '')?.(form.get('TranscriptionStatus') === 'completed' ? (form.get('TranscriptionText') ?? '') : '(failed)');
      const twiml = req.url === '/done' ? '<Response><Hangup/></Response>' : '<Response/>';
      res.writeHead(200, { 'content-type': 'text/xml' }).end(twiml);
    });
  });
  const appUrl = await listenLocal(app);
  const dir = await mkdtemp(join(tmpdir(), 'bench-transcribe-'));
  let errors = 0;
  let total = 0;
  const samples: string[] = [];
  try {
    for (const [i, sentence] of SENTENCES.entries()) {
      const wav = join(dir, `s${i}.wav`);
      await espeakWavFixture(wav, sentence, { padToMs: 20_000 });
      let heard = '';
      await withBaresip({ audioSource: wav }, async (b) => {
        const twiml = `<Response><Record maxLength="10" timeout="0" trim="do-not-trim" playBeep="false" transcribeCallback="${appUrl}/t" action="${appUrl}/done"/></Response>`;
        let callSid = '';
        const text = new Promise<string>((resolve) => {
          void createCall(sb, b.uri, twiml).then((sid) => {
            callSid = sid;
            callbacks.set(sid, resolve);
          });
        });
        heard = await withTimeout(text, 60_000, `transcription of sentence ${i + 1}`);
        callbacks.delete(callSid);
      });
      const reference = words(sentence);
      errors += wordErrors(reference, words(heard));
      total += reference.length;
      samples.push(`"${sentence}" → "${heard}"`);
      log(`transcribe-wer: ${i + 1}/${SENTENCES.length}: ${heard}`);
    }
  } finally {
    await sb.stop();
    await closeServer(app);
    await rm(dir, { recursive: true, force: true });
  }
  const wer = errors / total;
  rows.push({
    name: `9. transcription word error rate, pocketsphinx on ${SENTENCES.length} espeak-ng sentences over RTP (PCMU)`,
    value: `${fmt(wer * 100, 0)} %`,
    reference: `${total} words`,
    ratio: '',
    target: '',
    pass: null,
  });
  notes.push(`transcribe-wer: ${errors} word errors in ${total} reference words; ${samples.join('; ')}`);
}
