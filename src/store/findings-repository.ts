import type { Finding, FindingStatus } from '../findings/model.js';

/** Stored findings with their lifecycle. */
export interface FindingsRepository {
  listFindings(): Promise<Finding[]>;
  getFinding(id: string): Promise<Finding | null>;
  /** Insert or replace findings by id, in one transaction. */
  saveFindings(findings: Finding[]): Promise<void>;
  /** Set the status of one finding (with reason and, for accepted risks, an expiry date). */
  setStatus(id: string, status: FindingStatus, reason: string | null, until: string | null): Promise<boolean>;
}
