/** Formatting and parsing of addresses. Used off the hot path (new flows, output). */

export function macToString(mac: number): string {
  let s = '';
  for (let i = 5; i >= 0; i--) {
    const b = Math.floor(mac / 2 ** (8 * i)) % 256;
    s += (i < 5 ? ':' : '') + b.toString(16).padStart(2, '0');
  }
  return s;
}

export function macFromBytes(b: Uint8Array, off: number): number {
  return (
    (b[off] as number) * 0x10000000000 +
    (b[off + 1] as number) * 0x100000000 +
    (((b[off + 2] as number) << 24) >>> 0) +
    ((b[off + 3] as number) << 16) +
    ((b[off + 4] as number) << 8) +
    (b[off + 5] as number)
  );
}

export function parseMac(s: string): number | null {
  const m =
    /^([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})$/i.exec(
      s.trim(),
    );
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 6; i++) v = v * 256 + Number.parseInt(m[i] as string, 16);
  return v;
}

/**
 * A MAC address in any common spelling ('00-1B-1B-01-02-03', '001b1b010203', '001b.1b01.0203',
 * '0:1b:1b:1:2:3', any case) as 'aa:bb:cc:dd:ee:ff', or null if it is not one.
 */
export function normaliseMac(s: string): string | null {
  const t = s.trim();
  let hex: string;
  if (/^[0-9a-f]{12}$/i.test(t)) hex = t;
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(t)) hex = t.replaceAll('.', '');
  else {
    const m = /^[0-9a-f]{1,2}([:-])[0-9a-f]{1,2}\1[0-9a-f]{1,2}\1[0-9a-f]{1,2}\1[0-9a-f]{1,2}\1[0-9a-f]{1,2}$/i.exec(t);
    if (!m) return null;
    hex = t
      .split(m[1] as string)
      .map((p) => p.padStart(2, '0'))
      .join('');
  }
  return hex.toLowerCase().replace(/(..)(?!$)/g, '$1:');
}

/** The 24-bit OUI of a MAC, as six upper-case hex digits ("001B1B"). */
export function macOui(mac: number): string {
  return Math.floor(mac / 0x1000000)
    .toString(16)
    .toUpperCase()
    .padStart(6, '0');
}

/** Locally administered (bit 1 of the first octet) or multicast (bit 0) MAC. */
export function macIsLocal(mac: number): boolean {
  return (Math.floor(mac / 0x10000000000) & 0x02) !== 0;
}
export function macIsMulticast(mac: number): boolean {
  return (Math.floor(mac / 0x10000000000) & 0x01) !== 0;
}

export function ip4ToString(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}`;
}

export function parseIp4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (!m) return null;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const o = Number(m[i]);
    if (o > 255) return null;
    v = v * 256 + o;
  }
  return v;
}

/** RFC 5952 text form of a 16-byte IPv6 address (lower case, longest zero run compressed). */
export function ip6ToString(b: Uint8Array, off = 0): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((b[off + 2 * i] as number) << 8) | (b[off + 2 * i + 1] as number));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // IPv4-mapped ::ffff:a.b.c.d
  if (bestStart === 0 && bestLen === 5 && words[5] === 0xffff) {
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      parts.push(i === 0 ? ':' : '');
      i += bestLen - 1;
      if (i === 7) parts.push('');
      continue;
    }
    parts.push((words[i] as number).toString(16));
  }
  return parts.join(':');
}

/**
 * A public IPv4 address. The RFC 5737 documentation ranges (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24) lie in no private range, so they count as public: they stand for the
 * internet in tests and the demo.
 */
export function ip4IsPublic(ip: number): boolean {
  return !ip4IsPrivate(ip);
}

/** True for RFC 1918, loopback, link-local, CGNAT, multicast/broadcast and other non-public IPv4. */
export function ip4IsPrivate(ip: number): boolean {
  const a = ip >>> 24;
  const b = (ip >>> 16) & 255;
  return (
    a === 10 ||
    a === 127 ||
    a === 0 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127) ||
    a >= 224
  );
}
