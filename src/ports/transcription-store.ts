import type { TranscriptionRecord } from '../domain/transcription.js';
import type { NewCallback, PageRequest } from './store.js';

export interface TranscriptionFilter {
  accountSid: string;
  /** Only the transcriptions of this recording (`/Recordings/{RE}/Transcriptions`). */
  recordingSid?: string;
}

/**
 * Where transcriptions are kept: a port of its own beside `Store` (the SQLite adapter
 * implements both, on one database, so a transcription and its callback commit together).
 * Contract: `transcription-store.contract.ts`.
 */
export interface TranscriptionStore {
  /**
   * Inserts or replaces a transcription and queues its callbacks in one transaction (like
   * `saveCall`): a transcription is never `completed` without its callback queued. A replaced
   * transcription keeps its place in the list.
   */
  saveTranscription(transcription: TranscriptionRecord, callbacks?: NewCallback[]): Promise<void>;
  getTranscription(accountSid: string, sid: string): Promise<TranscriptionRecord | null>;
  /** Newest first (by creation order). Returns at most `page.limit` transcriptions. */
  listTranscriptions(filter: TranscriptionFilter, page: PageRequest): Promise<TranscriptionRecord[]>;
  deleteTranscription(accountSid: string, sid: string): Promise<boolean>;
  /** Transcriptions still `in-progress`, of every account: at startup, those a stop interrupted. */
  listUnfinishedTranscriptions(): Promise<TranscriptionRecord[]>;
}
