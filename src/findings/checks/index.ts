import type { Check } from '../check.js';
import { cleartextCredentialsCheck, defaultCredentialsCheck, passwordReuseCheck } from './credentials.js';
import {
  certificateCheck,
  cleartextManagementCheck,
  oldTlsCheck,
  otCleartextShareCheck,
  otWithoutSecurityCheck,
  weakCipherCheck,
} from './encryption.js';
import { internetExposureCheck, internetNamesCheck, remoteAccessCheck } from './exposure.js';
import { plantDisagreementCheck } from './plant-disagreement.js';
import { unknownDevices } from './unknown-devices.js';
import { vulnerabilityCheck } from './vulnerabilities.js';

/**
 * Every check `plantwarden check` (and the end of `analyze`) runs, in this order. One import per
 * line above and one entry per line below, so engineers adding checks do not edit the same lines.
 */
export const ALL_CHECKS: readonly Check[] = [
  vulnerabilityCheck(),
  defaultCredentialsCheck,
  cleartextCredentialsCheck,
  passwordReuseCheck,
  internetExposureCheck,
  remoteAccessCheck,
  internetNamesCheck,
  cleartextManagementCheck,
  otWithoutSecurityCheck,
  oldTlsCheck,
  weakCipherCheck,
  certificateCheck,
  otCleartextShareCheck,
  unknownDevices,
  plantDisagreementCheck,
];
