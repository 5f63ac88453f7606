import type { Alert, Suppression } from '../alerts/model.js';

export interface AlertsRepository {
  /**
   * Merge alerts of one analysis: by id, counts add, first/last seen widen, evidence keeps the
   * newest 10 lines, severity/title/remediation take the new values, status is kept (a closed
   * alert that fires again reopens). One transaction.
   */
  mergeAlerts(alerts: Alert[]): Promise<void>;
  listAlerts(): Promise<Alert[]>;
  setAlertStatus(id: string, status: Alert['status']): Promise<boolean>;
  addSuppression(s: Suppression): Promise<void>;
  listSuppressions(): Promise<Suppression[]>;
  removeSuppression(id: string): Promise<boolean>;
}
