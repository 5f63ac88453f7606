/**
 * Normal forms for matching devices to advisories: vendor keys, order/catalog numbers
 * (Siemens MLFB, Rockwell catalog numbers with series, Schneider references), product families
 * and product-name tokens. All functions are total: any string gives a (possibly empty) answer.
 */

/** Known ICS vendors: key, then the patterns that name it (company names, brands, old names). */
const VENDORS: readonly [string, RegExp][] = [
  ['siemens', /\bsiemens\b|\bruggedcom\b|\bsimatic\b|\bsiplus\b|\bscalance\b|\bsinumerik\b|\bsinamics\b/],
  ['rockwell', /\brockwell\b|\ballen[\s-]*bradley\b|\ba-b\b|\bicotek\b/],
  ['schneider', /\bschneider\b|\btelemecanique\b|\bmodicon\b|\bsquare\s*d\b|\bapc\b|\bclipsal\b/],
  ['abb', /\babb\b|\bhitachi\s+abb\b/],
  ['hitachi-energy', /\bhitachi\s+energy\b/],
  [
    'ge',
    /\bgeneral\s+electric\b|\bge\s+(?:digital|fanuc|intelligent|grid|automation|power|vernova|\(ge\))|^ge$|^ge\b(?!\s+healthcare)|\bemerson\s+(?:ge|fanuc)\b/,
  ],
  ['ge-healthcare', /\bge\s+healthcare\b/],
  ['honeywell', /\bhoneywell\b/],
  ['emerson', /\bemerson\b|\bfisher[\s-]*rosemount\b|\brosemount\b|\bovation\b/],
  ['yokogawa', /\byokogawa\b/],
  ['mitsubishi', /\bmitsubishi\b|\bmelsec\b/],
  ['omron', /\bomron\b/],
  ['beckhoff', /\bbeckhoff\b/],
  ['phoenix-contact', /\bphoenix\s*contact\b|\binnominate\b/],
  ['wago', /\bwago\b/],
  ['moxa', /\bmoxa\b/],
  ['hirschmann', /\bhirschmann\b/],
  ['belden', /\bbelden\b/],
  ['b&r', /\bb\s*&\s*r\b|\bbernecker\b|\bb\s*and\s*r\s+industrial\b/],
  ['delta-electronics', /\bdelta\s+(?:electronics|industrial\s+automation)\b/],
  ['advantech', /\badvantech\b|\bb\+b\s+smartworx\b/],
  ['fuji-electric', /\bfuji\s+electric\b/],
  ['johnson-controls', /\bjohnson\s+controls\b|\bsensormatic\b|\bexacq\b|\btyco\b|\bamerican\s+dynamics\b|\bmetasys\b/],
  ['eaton', /\beaton\b|\bcutler[\s-]*hammer\b/],
  ['codesys', /\bcodesys\b|\b3s[\s-]*smart\b/],
  ['sel', /\bschweitzer\b|\(sel\)|^sel$/],
  ['red-lion', /\bred\s+lion\b/],
  ['automationdirect', /\bautomation\s*direct\b|\bkoyo\b/],
  ['opto22', /\bopto\s*22\b/],
  ['inductive-automation', /\binductive\s+automation\b/],
  ['tridium', /\btridium\b|\bniagara\b/],
  ['ptc', /\bptc\b|\bkepware\b/],
  ['iconics', /\biconics\b/],
  ['aveva', /\baveva\b|\bwonderware\b|\bosisoft\b/],
  ['hms', /\bhms\s+(?:networks|industrial)\b|\bewon\b|\banybus\b/],
  ['softing', /\bsofting\b/],
  ['pepperl-fuchs', /\bpepperl\s*\+?\s*(?:and\s+)?fuchs\b/],
  ['pilz', /\bpilz\b/],
  ['festo', /\bfesto\b/],
  ['keyence', /\bkeyence\b/],
  ['panasonic', /\bpanasonic\b/],
  ['jtekt', /\bjtekt\b|\btoyopuc\b/],
  ['fatek', /\bfatek\b/],
  ['wecon', /\bwecon\b/],
  ['weidmueller', /\bweidm(?:ue|u|ü)ller\b/],
  ['lantronix', /\blantronix\b/],
  ['sierra-wireless', /\bsierra\s+wireless\b/],
  ['cisco', /\bcisco\b/],
  ['bosch', /\bbosch\b|\brexroth\b/],
  ['danfoss', /\bdanfoss\b/],
  ['yaskawa', /\byaskawa\b/],
  ['hilscher', /\bhilscher\b/],
  ['westermo', /\bwestermo\b/],
  ['digi', /\bdigi\s+international\b/],
  ['prosoft', /\bprosoft\b/],
  ['trane', /\btrane\b/],
  ['philips', /\bphill?ips\b/],
  ['horner', /\bhorner\b/],
];

const CORPORATE =
  /\b(?:inc|incorporated|llc|l\.l\.c|ltd|limited|gmbh|ag|co|corp|corporation|company|s\.?a|se|b\.?v|plc|kg|oy|ab|as|spa|srl|pty|kk|group|holdings?)\b\.?/g;

const vendorCache = new Map<string, string[]>();

function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Every vendor a vendor string names, as keys ("Sensormatic Electronics, LLC, Johnson Controls
 * Inc." -> ['johnson-controls']; "ICONICS, Mitsubishi Electric" -> ['mitsubishi', 'iconics']).
 * Unknown vendors give their cleaned lower-case form ("Acme Widgets, Inc." -> 'acme widgets').
 */
export function vendorKeys(name: string): string[] {
  const cached = vendorCache.get(name);
  if (cached) return cached;
  const f = fold(name).slice(0, 200);
  const out: string[] = [];
  for (const [key, re] of VENDORS) if (re.test(f)) out.push(key);
  if (out.length === 0) {
    const clean = f
      .replace(/\([^)]*\)/g, ' ')
      .replace(CORPORATE, ' ')
      .replace(/[^a-z0-9&+]+/g, ' ')
      .replace(/(^|\s)[&+]+(?=\s|$)/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (clean !== '') out.push(clean);
  }
  if (vendorCache.size > 10_000) vendorCache.clear();
  vendorCache.set(name, out);
  return out;
}

/** The vendor key of a vendor string: the first of `vendorKeys`, '' for an empty name. */
export function normalizeVendor(name: string): string {
  return vendorKeys(name)[0] ?? '';
}

/** A recognised order or catalog number. */
export interface OrderNumber {
  kind: 'siemens-mlfb' | 'rockwell-catalog' | 'schneider-ref' | 'other';
  /** Upper case, without spaces, hyphens or dots: the matching key ("6ES75152AM010AB0", "1756-ENBT" -> "1756ENBT"). */
  compact: string;
  /** The usual written form ("6ES7 515-2AM01-0AB0", "1756-ENBT", "BMX P34 2020"). */
  display: string;
  /** The family prefix ("6ES7 515", "1756-L8", "BMX P34"). */
  prefix: string;
  /** Rockwell series letter ("1756-L83E/B" -> 'B'), else null. */
  series: string | null;
  /** Product family keys this number belongs to (see `familyTokens`). */
  families: string[];
}

/** Siemens MLFB: 6ES7 515-2AM01-0AB0, 6ES75152AM010AB0, 6AG1 315-2EH14-7AB0, 6GK5 208-0GA00-2AC2. */
const MLFB = /\b([36][A-Z]{2}\d)\s*-?\s*(\d{3})\s*-?\s*(\d[A-Z0-9]{2}\d{2})\s*-?\s*(\d[A-Z0-9]{2}\d)\b/gi;
/** Rockwell catalog: 1756-ENBT/A, 1756-L83E/B, 1769-L33ER, 2080-LC50-48QWB, 1756-EN2T Series D. */
const CATALOG =
  /\b((?:17\d\d|5069|5094|2080|2711[A-Z]?|2198|1606|20|22|25)-(?=[A-Z0-9]*[A-Z])[A-Z0-9]{2,}(?:-[A-Z0-9]+)*)(?:\s*\/\s*([A-Z])\b|\s+ser(?:ies|\.)?\s+([A-Z])\b)?/gi;
/** Schneider: BMX P34 2020, BMXP342020, BME P58 4040, TM221CE16R, 140 CPU 651 60, TSX P57 4634. */
const SCHNEIDER =
  /\b((?:BM[XE]|TSX|TM|LMC|ATV|HMI|XBT|VW3)\s?[A-Z]{0,4}\d{0,3}\s?[A-Z]{0,3}\s?\d{2,4}[A-Z0-9]{0,6}|140\s?[A-Z]{3}\s?\d{3}\s?\d{2})\b/gi;

function siemensFamilies(prefix: string, block: string, rest: string): string[] {
  const kind = prefix.slice(0, 3);
  const siplus = prefix.startsWith('6AG');
  if (kind !== '6ES' && !siplus) return [];
  const n = Number.parseInt(block, 10);
  const out: string[] = [];
  if (n >= 510 && n <= 518) out.push('s7-1500');
  else if (n >= 211 && n <= 217 && /^1..[345]/.test(rest)) out.push('s7-1200');
  else if (n >= 211 && n <= 216 && /^...2/.test(rest)) out.push('s7-200');
  else if (n === 288) out.push('s7-200 smart');
  else if ((n >= 312 && n <= 319) || (n === 151 && rest.startsWith('8')) || (n === 154 && rest.startsWith('8'))) {
    out.push('s7-300');
  } else if (n >= 412 && n <= 417) out.push('s7-400');
  else if (n === 672) out.push('s7-1500 software controller');
  // These order-number ranges are all CPUs: advisories say "S7-300 CPU family" / "S7-1500 CPU 1511-1 PN".
  if (out.length > 0 && n !== 672) out.push('cpu');
  return out;
}

const ROCKWELL_FAMILIES: readonly [RegExp, string][] = [
  [/^1756-L8\d[A-Z]*S\b/, 'guardlogix 5580'],
  [/^1756-L7\d[A-Z]*S\b/, 'guardlogix 5570'],
  [/^1756-L8/, 'controllogix 5580'],
  [/^1756-L7/, 'controllogix 5570'],
  [/^1756-L6/, 'controllogix 5560'],
  [/^5069-L3\d*[A-Z]*S/, 'compact guardlogix 5380'],
  [/^5069-L3/, 'compactlogix 5380'],
  [/^5069-L4/, 'compactlogix 5480'],
  [/^1769-L3\d*[A-Z]*S/, 'compact guardlogix 5370'],
  [/^1769-L[123]/, 'compactlogix 5370'],
  [/^1766-/, 'micrologix 1400'],
  [/^1763-/, 'micrologix 1100'],
  [/^1762-/, 'micrologix 1200'],
  [/^1764-/, 'micrologix 1500'],
  [/^1761-/, 'micrologix 1000'],
  [/^2080-LC20/, 'micro820'],
  [/^2080-LC30/, 'micro830'],
  [/^2080-LC50/, 'micro850'],
  [/^2080-LC70/, 'micro870'],
  [/^2080-L10/, 'micro810'],
  [/^1747-L5/, 'slc 500'],
  [/^1785-L/, 'plc-5'],
  [/^2711P-/, 'panelview plus'],
];

const SCHNEIDER_FAMILIES: readonly [RegExp, string][] = [
  [/^BMXP34/, 'modicon m340'],
  [/^BMXNOE/, 'modicon m340'],
  [/^BME(?:P58|H58|NOC)/, 'modicon m580'],
  [/^TM221/, 'modicon m221'],
  [/^TM241/, 'modicon m241'],
  [/^TM251/, 'modicon m251'],
  [/^TM258/, 'modicon m258'],
  [/^LMC058/, 'modicon lmc058'],
  [/^140CPU/, 'modicon quantum'],
  [/^TSXP57/, 'modicon premium'],
];

/** Parses one order/catalog number (the whole string must be one), or null. */
export function parseOrderNumber(text: string): OrderNumber | null {
  const t = text.trim();
  const all = findOrderNumbers(t);
  if (all.length !== 1) return null;
  const o = all[0]!;
  const rest = t
    .toUpperCase()
    .replace(/[\s\-./]/g, '')
    .replace(o.compact, '')
    .replace(/^SERIES/, '');
  return rest.length <= 1 ? o : null;
}

/**
 * All order/catalog numbers in a free text ("SIMATIC S7-300 CPU 315-2 PN/DP
 * (6ES7315-2EH14-0AB0)", "1756 ControlLogix ... 1756-EN2T Series D"). Rockwell catalog numbers
 * and Schneider references are looked for only when `vendor` (a vendor key) is theirs or empty.
 */
export function findOrderNumbers(text: string, vendor = ''): OrderNumber[] {
  const out: OrderNumber[] = [];
  const seen = new Set<string>();
  const t = text.slice(0, 500);
  for (const m of t.matchAll(MLFB)) {
    const p = m[1]!.toUpperCase();
    const rest = `${m[3]!}${m[4]!}`.toUpperCase();
    const compact = `${p}${m[2]!}${rest}`;
    if (seen.has(compact)) continue;
    seen.add(compact);
    out.push({
      kind: 'siemens-mlfb',
      compact,
      display: `${p} ${m[2]!}-${m[3]!.toUpperCase()}-${m[4]!.toUpperCase()}`,
      prefix: `${p} ${m[2]!}`,
      series: null,
      families: siemensFamilies(p, m[2]!, rest),
    });
  }
  if (vendor === '' || vendor === 'rockwell') {
    for (const m of t.matchAll(CATALOG)) {
      const display = m[1]!.toUpperCase();
      if (/^\d+-\d+$/.test(display)) continue;
      if (
        (display.startsWith('20-') || display.startsWith('22-') || display.startsWith('25-')) &&
        vendor !== 'rockwell'
      ) {
        continue;
      }
      const compact = display.replace(/-/g, '');
      if (seen.has(compact)) continue;
      seen.add(compact);
      const series = (m[2] ?? m[3] ?? '').toUpperCase() || null;
      const fam = ROCKWELL_FAMILIES.find(([re]) => re.test(display));
      const dash = display.indexOf('-');
      out.push({
        kind: 'rockwell-catalog',
        compact,
        display,
        prefix: display.slice(0, Math.min(display.length, dash + 3)),
        series,
        families: fam ? [fam[1]] : [],
      });
    }
  }
  if (vendor === '' || vendor === 'schneider') {
    for (const m of t.matchAll(SCHNEIDER)) {
      const raw = m[1]!.toUpperCase();
      const compact = raw.replace(/\s+/g, '');
      if (compact.length < 6 || !/\d/.test(compact) || seen.has(compact)) continue;
      seen.add(compact);
      const fam = SCHNEIDER_FAMILIES.find(([re]) => re.test(compact));
      const families = fam ? [fam[1]] : [];
      if (/^(?:BMXP34|BMEP58|BMEH58|140CPU|TSXP57|TM2[2-5]\d)/.test(compact)) families.push('cpu');
      const letters = /^[A-Z]+/.exec(compact)?.[0] ?? '';
      out.push({
        kind: 'schneider-ref',
        compact,
        display: raw.replace(/\s+/g, ' '),
        prefix: compact.slice(0, Math.max(letters.length + 3, 5)),
        series: null,
        families,
      });
    }
  }
  return out;
}

/** `6ES7 515-2AM01-0AB0` and `6ES75152AM010AB0` -> '6ES75152AM010AB0'; any other text upper-cased without separators. */
export function compactOrderNumber(text: string): string {
  return text.toUpperCase().replace(/[\s\-./_]/g, '');
}

/** Product-family names written in advisories, as family keys ("SIMATIC S7-1500 CPU family" -> 's7-1500'). */
const FAMILY_NAMES: readonly [RegExp, string][] = [
  [/\bs7[\s-]?1500\s+software\s+controller/, 's7-1500 software controller'],
  [/\bs7[\s-]?1500\b/, 's7-1500'],
  [/\bs7[\s-]?1200\b/, 's7-1200'],
  [/\bs7[\s-]?200\s+smart\b/, 's7-200 smart'],
  [/\bs7[\s-]?200\b/, 's7-200'],
  [/\bs7[\s-]?300\b/, 's7-300'],
  [/\bs7[\s-]?400\b/, 's7-400'],
  [/\bguardlogix\s+55?80\b/, 'guardlogix 5580'],
  [/\bguardlogix\s+55?70\b/, 'guardlogix 5570'],
  [/\bcontrollogix\s+55?80\b/, 'controllogix 5580'],
  [/\bcontrollogix\s+55?70\b/, 'controllogix 5570'],
  [/\bcontrollogix\s+556\d\b/, 'controllogix 5560'],
  [/\bcompact\s*guardlogix\s+5380\b/, 'compact guardlogix 5380'],
  [/\bcompact\s*guardlogix\s+5370\b/, 'compact guardlogix 5370'],
  [/\bcompactlogix\s+5380\b/, 'compactlogix 5380'],
  [/\bcompactlogix\s+5480\b/, 'compactlogix 5480'],
  [/\bcompactlogix\s+5370\b/, 'compactlogix 5370'],
  [/\bmicrologix\s+1400\b/, 'micrologix 1400'],
  [/\bmicrologix\s+1100\b/, 'micrologix 1100'],
  [/\bmicrologix\s+1200\b/, 'micrologix 1200'],
  [/\bmicrologix\s+1500\b/, 'micrologix 1500'],
  [/\bmicrologix\s+1000\b/, 'micrologix 1000'],
  [/\bmicro\s?8([1-7])0\b/, 'micro8$10'],
  [/\bslc\s*500\b|\bslc\s*5\/0\d/, 'slc 500'],
  [/\bplc[\s-]?5\b/, 'plc-5'],
  [/\bpanelview\s+plus\b/, 'panelview plus'],
  [/\bm340\b/, 'modicon m340'],
  [/\bm580\b/, 'modicon m580'],
  [/\bm221\b/, 'modicon m221'],
  [/\bm241\b/, 'modicon m241'],
  [/\bm251\b/, 'modicon m251'],
  [/\bm258\b/, 'modicon m258'],
  [/\bquantum\b/, 'modicon quantum'],
  [/\bpremium\b/, 'modicon premium'],
];

/**
 * Family keys named in a product text ("SIMATIC S7-1500 CPU family (incl. ...)" -> ['s7-1500'],
 * "ControlLogix 5580 controllers" -> ['controllogix 5580']) plus the families of the order
 * numbers it holds ("6ES7 515-2AM01-0AB0" -> ['s7-1500']).
 */
export function familyTokens(text: string, vendor = ''): string[] {
  const f = fold(text).slice(0, 500);
  const out = new Set<string>();
  for (const [re, key] of FAMILY_NAMES) {
    const m = re.exec(f);
    if (m) {
      out.add(key.replace('$1', m[1] ?? ''));
      if (key === 's7-1500 software controller') break;
    }
  }
  for (const o of findOrderNumbers(text, vendor)) for (const k of o.families) out.add(k);
  return [...out];
}

/** Words that never identify a product on their own. */
const NOISE = new Set([
  'family',
  'families',
  'series',
  'product',
  'products',
  'all',
  'versions',
  'version',
  'and',
  'or',
  'the',
  'for',
  'of',
  'with',
  'w',
  'in',
  'on',
  'to',
  'incl',
  'including',
  'related',
  'variants',
  'variant',
  'firmware',
  'fw',
  'model',
  'models',
  'module',
  'modules',
  'device',
  'devices',
  'unit',
  'units',
  'simatic',
  'controller',
  'controllers',
  'plc',
  'plcs',
  'type',
  'types',
  'mlfb',
  'mlfbs',
  'hardware',
]);

/** Tokens too generic to identify a product when no other token is present. */
const GENERIC = new Set([
  'server',
  'client',
  'gateway',
  'router',
  'switch',
  'switches',
  'panel',
  'panels',
  'hmi',
  'web',
  'station',
  'manager',
  'software',
  'system',
  'systems',
  'application',
  'tool',
  'tools',
  'platform',
  'network',
  'ethernet',
  'interface',
  'adapter',
  'communication',
  'communications',
  'io',
  'i/o',
  'remote',
  'control',
  'controls',
  'automation',
  'industrial',
  'devices',
  'pc',
  'runtime',
  'engineering',
  'basic',
  'standard',
  'professional',
  'advanced',
  'pro',
  'plus',
  'lite',
  'open',
  'sp',
  'pn',
  'dp',
]);

/**
 * A product name without what does not identify it: parentheticals that qualify
 * ("(incl. SIPLUS variants)", unclosed ones too), version designations ("V4.X", "version 4"),
 * "all versions" tails, and leading "<vendor>:" groupings.
 */
export function cleanProductName(text: string): string {
  return fold(text)
    .slice(0, 300)
    .replace(
      /\((?:incl|including|except|all|see|formerly|also|only|with|w\/|containing|part of|affected|as |e\.g|for )[^)]*\)?/g,
      ' ',
    )
    .replace(/[:,]\s*all\s+versions?.*$/, ' ')
    .replace(/\b(?:version|firmware)\s+v?\d+(?:\.(?:\d+|x))*\b/g, ' ')
    .replace(/(?:<|>|<=|>=)?\s*\bv\d+(?:\.(?:\d+|x))+(?:\s*(?:sp|update|hf)\s*\d+)*(?=$|[\s,;:)])/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A version designation in a product name ("RUGGEDCOM RSG2300NC V4.X" -> '4', "SINAMICS G110M V4.7
 * Control Unit" -> '4.7', "SIMATIC S7-1200 CPU family version 4" -> '4'), or null. A device's
 * version must start with it.
 */
export function nameVersionHint(text: string): string | null {
  const f = fold(text)
    .replace(/\([^)]*\)?/g, ' ')
    .slice(0, 300);
  if (/<\s*v?\d|\b(?:prior|before|earlier|older|below|up to|hardware|through)\b|\band\s+v\d/.test(f)) return null;
  const all = [
    ...f.matchAll(
      /\bversion\s+v?(\d+(?:\.\d+)?)(?:\.x)?\b|(?:^|\s)v(\d+\.(?:\d+(?:\.\d+)*|x)(?:\s+sp\s?\d+)?)(?=$|[\s,;:])/g,
    ),
  ];
  if (all.length !== 1) return null;
  const m = all[0]!;
  return (m[1] ?? m[2]!).replace(/\.x$/, '').toUpperCase();
}

/**
 * Identifying tokens of a product text, compact (separators inside a token removed:
 * "S7-1500" -> 's71500', "315-2" -> '3152', "PN/DP" -> 'pndp'), without noise words, vendor
 * words and order numbers (those are matched as `OrderNumber`s).
 */
export function productTokens(text: string, vendor = ''): string[] {
  // Siemens order numbers are matched as numbers; catalog numbers stay words of the name too.
  const s = cleanProductName(text).replace(MLFB, ' ').replace(/\+/g, ' plus ');
  const vendorWords = new Set(vendor.split(/[\s-]+/).filter((w) => w.length > 0));
  const out = new Set<string>();
  for (const raw of s.split(/[\s,;:()[\]{}"'|]+/)) {
    const t = raw.replace(/[^a-z0-9]+/g, '');
    if (t.length === 0 || NOISE.has(t) || vendorWords.has(t)) continue;
    out.add(t === 'cpus' ? 'cpu' : t);
  }
  return [...out];
}

/**
 * Token groups a product name excludes: "SIMATIC ET200SP (incl. SIPLUS variants, except
 * IM155-6 PN ST and IM155-6 PN HF)" -> [['im1556', 'pn', 'st'], ['im1556', 'pn', 'hf']].
 */
export function exceptTokens(text: string): string[][] {
  const m = /\bexcept\s+([^)]*)/i.exec(fold(text).slice(0, 300));
  if (!m) return [];
  return m[1]!
    .split(/\s*(?:,|\band\b|\bor\b|;)\s*/)
    .map((g) => productTokens(g))
    .filter((g) => g.length > 0 && isDistinctive(g));
}

/** Whether a token set says enough to identify a product (a digit, or a word that is not generic). */
export function isDistinctive(tokens: readonly string[]): boolean {
  let plain = 0;
  for (const t of tokens) {
    if (/\d/.test(t) || (t.length >= 3 && !GENERIC.has(t))) return true;
    if (!GENERIC.has(t)) plain++;
  }
  return plain >= 2;
}

/** Compact tokens of a family key ('s7-1500' -> ['s71500'], 'controllogix 5580' -> ['controllogix', '5580']). */
export function familyKeyTokens(family: string): string[] {
  return family
    .split(/\s+/)
    .map((t) => t.replace(/[^a-z0-9]+/g, ''))
    .filter((t) => t.length > 0 && !NOISE.has(t));
}
