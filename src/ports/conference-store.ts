import type { ConferenceRecord, ConferenceStatus } from '../domain/conference.js';
import type { NewCallback, PageRequest, TimeRange } from './store.js';

/**
 * Where conferences are kept (conferences.md §3): every record, active or completed, for the
 * REST history. Participants are not stored: only active ones exist (§4), and they live with
 * their calls. Every adapter passes `runConferenceStoreContract`.
 */
export interface ConferenceStore {
  /**
   * Inserts or replaces a conference and queues its status callbacks in one transaction
   * (design.md, "Nothing is lost"). A replaced conference keeps its place in the list.
   */
  saveConference(conference: ConferenceRecord, callbacks?: NewCallback[]): Promise<void>;
  getConference(accountSid: string, sid: string): Promise<ConferenceRecord | null>;
  /** Newest first (by creation order). Returns at most `page.limit` conferences. */
  listConferences(filter: ConferenceFilter, page: PageRequest): Promise<ConferenceRecord[]>;
  /** Conferences not `completed`, of every account: at startup, those a crash interrupted. */
  listLiveConferences(): Promise<ConferenceRecord[]>;
}

export interface ConferenceFilter {
  accountSid: string;
  friendlyName?: string;
  status?: ConferenceStatus;
  dateCreated?: TimeRange;
  dateUpdated?: TimeRange;
}
