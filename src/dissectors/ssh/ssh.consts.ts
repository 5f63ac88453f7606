/** SSH constants (RFC 4253) and banner hints. */

/** Identification line: at most 255 bytes including CR LF (RFC 4253 §4.2). */
export const MAX_IDENT_LINE = 255;
/** Lines a server may send before its identification (RFC 4253 §4.2); more is not SSH. */
export const MAX_PRE_LINES = 16;
/** Largest binary packet implementations must accept (RFC 4253 §6.1). */
export const MAX_PACKET_LEN = 35000;
/** Algorithms kept per name-list. */
export const MAX_ALGS = 64;

export const Msg = {
  KEXINIT: 20,
} as const;

/** Name-lists of KEXINIT, in wire order (RFC 4253 §7.1). */
export const KEX_LISTS = [
  'kex',
  'host_key',
  'cipher_c2s',
  'cipher_s2c',
  'mac_c2s',
  'mac_s2c',
  'compression_c2s',
  'compression_s2c',
  'language_c2s',
  'language_s2c',
] as const;

export interface BannerHint {
  re: RegExp;
  vendor?: string;
  os?: string;
}

/**
 * Guesses from the software/comments of a server identification (precedence 30), in the spirit
 * of Rapid7 Recog's ssh_banners.xml: the first matching entry for each field wins.
 */
export const BANNER_HINTS: readonly BannerHint[] = [
  { re: /\bRaspbian\b/i, os: 'Linux/Raspbian' },
  { re: /\bDebian\b/i, os: 'Linux/Debian' },
  { re: /\bUbuntu\b/i, os: 'Linux/Ubuntu' },
  { re: /\bFreeBSD\b/i, os: 'FreeBSD' },
  { re: /\bNetBSD\b/i, os: 'NetBSD' },
  { re: /^OpenSSH_[^ ]*_Mikrotik/i, vendor: 'MikroTik', os: 'RouterOS' },
  { re: /^ROSSSH/, vendor: 'MikroTik', os: 'RouterOS' },
  { re: /^OpenSSH_for_Windows/i, os: 'Windows' },
  { re: /^dropbear/i, os: 'Linux (embedded)' },
  { re: /^Cisco-|^CISCO_WLC/, vendor: 'Cisco', os: 'Cisco IOS' },
  { re: /^HUAWEI/, vendor: 'Huawei', os: 'Huawei VRP' },
  { re: /^Comware-/, vendor: 'HPE', os: 'Comware' },
  { re: /^NetScreen/, vendor: 'Juniper', os: 'ScreenOS' },
  { re: /^lancom/i, vendor: 'LANCOM' },
  { re: /^RomSShell/, vendor: 'Allegro Software' },
  { re: /^Sun_SSH/, os: 'Solaris' },
];
