/**
 * The learned normal (src/baseline): learning state and the statistics rules compare against.
 * Statistics are stored as opaque JSON documents per kind and key, merged by the baseline
 * module (which alone knows their shape).
 */
export interface BaselineState {
  /** 'learning' (collect, do not alert on deviations), 'frozen' (alert), or 'off' (no baseline yet: learning starts at the first analysis). */
  mode: 'off' | 'learning' | 'frozen';
  /** Learn until this packet time (µs), then freeze automatically; null = until `baseline freeze`. */
  learnUntilUs: number | null;
  startedAt: string | null;
  frozenAt: string | null;
}

export interface BaselineRepository {
  getState(): Promise<BaselineState>;
  setState(state: BaselineState): Promise<void>;
  /** Upsert JSON documents: (kind, key) -> value. */
  putStats(rows: { kind: string; key: string; value: string }[]): Promise<void>;
  /** All documents of a kind. */
  getStats(kind: string): Promise<{ key: string; value: string }[]>;
  clearStats(): Promise<void>;
}
