import { createHmac } from 'node:crypto';

/**
 * The keyed fingerprint of a secret: HMAC-SHA-256 under the inventory's credential key
 * (`InventoryRepository.credentialKey()`), as the first 32 lower-case hex characters (128 bits).
 * The one definition shared by the dissectors' pipeline (observed secrets) and the checks
 * (candidate defaults), so the two compare equal exactly when the secrets are equal.
 */
export function fingerprintWith(key: Uint8Array, secret: Uint8Array | string): string {
  return createHmac('sha256', key).update(secret).digest('hex').slice(0, 32);
}
