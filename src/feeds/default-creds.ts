import { type CsvRecord, isBlankRecord, parseCsv } from './csv.js';
import type { DefaultCredential } from './model.js';
import { FeedError, type FeedProblem } from './problems.js';

/**
 * Default-credential lists in CSV -> `DefaultCredential`. The layout is detected from the
 * header (the first record that is neither blank nor a `#` comment); column names are compared
 * case-insensitively with spaces removed.
 *
 * | list (`list` field)          | header                                                         |
 * | ---------------------------- | -------------------------------------------------------------- |
 * | `scadapass`                  | Vendor,Device,Default password,Port,Device type,Protocol,Source |
 * | `iti-ics-default-passwords`  | Manufacturer,Model,Interface,Login,Password,Source,Comments     |
 * | `defaultcreds-cheat-sheet`   | productvendor,username,password                                 |
 * | `generic`                    | vendor,product,username,password[,protocol][,access]            |
 *
 * The generic layout is the one to write by hand: `vendor,product,username,password,protocol,
 * access` (also `user` for `username`, `model` for `product`; protocol and access optional),
 * one credential per row, an empty password written as an empty field.
 *
 * Reading each list:
 * - scadapass: "Default password" holds one or more `user:password` pairs separated by ", ",
 *   a bare password, labels ("HTTP: blank:ZYPCOM", "user level: 22") and notes in parentheses.
 *   Each pair becomes a credential; `blank` / `<blank>` means empty; prose that holds no pair
 *   is skipped. The protocol comes from a protocol label, else from the Protocol column, else
 *   from the Port column ("80/tcp" -> "80"), one credential per protocol; access is the label
 *   or note, or a Port text that is not a port ("serial port").
 * - ITI: protocol = Interface (lower case; "web" -> "http"), access = Interface as written.
 * - DefaultCreds cheat sheet: `productvendor` is the vendor (often vendor and product in one);
 *   product, protocol and access are ''. `<blank>` means empty.
 * Rows with neither user nor password are skipped; identical rows are kept once. A row with
 * too few columns is reported with its line and skipped.
 */
export type CredentialLayout = 'scadapass' | 'iti-ics-default-passwords' | 'defaultcreds-cheat-sheet' | 'generic';

export interface DefaultCredsResult {
  layout: CredentialLayout;
  credentials: DefaultCredential[];
  problems: FeedProblem[];
}

const MAX_ROWS = 500_000;
const MAX_FIELD = 500;
const PROTOCOL_LABEL =
  /^(?:https?|telnet|ftp|ssh|snmp|web|chap|pap|chap\/pap|vnc|rdp|smb|serial|console|modbus|mqtt)$/i;

function key(s: string): string {
  return s.toLowerCase().replace(/\s+/g, '');
}

/** The header record and the layout it names, or null when it is not a known layout. */
export function detectCredentialLayout(
  records: CsvRecord[],
): { header: CsvRecord; layout: CredentialLayout; col: Map<string, number> } | null {
  const header = records.find((r) => !isBlankRecord(r) && !(r.fields[0] ?? '').trimStart().startsWith('#'));
  if (header === undefined) return null;
  const col = new Map<string, number>();
  header.fields.forEach((f, i) => {
    const k = key(f);
    if (k !== '' && !col.has(k)) col.set(k, i);
  });
  const has = (...names: string[]) => names.every((n) => col.has(n));
  let layout: CredentialLayout | null = null;
  if (has('vendor', 'device', 'defaultpassword')) layout = 'scadapass';
  else if (has('manufacturer', 'login', 'password')) layout = 'iti-ics-default-passwords';
  else if (has('productvendor', 'username', 'password')) layout = 'defaultcreds-cheat-sheet';
  else if (has('vendor', 'password') && (col.has('username') || col.has('user'))) layout = 'generic';
  return layout === null ? null : { header, layout, col };
}

function blank(s: string): string {
  const t = s.trim();
  return /^(?:<blank>|blank|<empty>|\(none\)|<none>|\(blank\)|none)$/i.test(t) ? '' : t;
}

/** Split at ", " outside parentheses. */
function splitPairs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

/** One scadapass password piece -> { user, password, label }, or null if it holds no credential. */
export function parseScadapassPiece(piece: string): { user: string; password: string; label: string } | null {
  let t = piece.trim();
  const notes: string[] = [];
  t = t.replace(/\s*\(([^()]*)\)/g, (_m, n: string) => {
    notes.push(n.trim());
    return '';
  });
  t = t.trim();
  let label = '';
  const labelled = /^([^:]{1,40}?):\s+(.+)$/.exec(t);
  if (labelled) {
    label = (labelled[1] as string).trim();
    t = (labelled[2] as string).trim();
  }
  if (/\s/.test(t)) {
    // Prose around a pair ("for the Windows log in Administrator:navigator"): keep the pair.
    const pair = t.split(/\s+/).filter((w) => w.includes(':'));
    if (pair.length !== 1) return null;
    t = pair[0] as string;
  }
  if (t === '' || t === ':') return null;
  const colon = t.indexOf(':');
  const user = colon < 0 ? '' : blank(t.slice(0, colon));
  const password = blank(colon < 0 ? t : t.slice(colon + 1));
  if (user === '' && password === '') return null;
  if (user.startsWith('#')) return null;
  return { user, password, label: [label, ...notes].filter((x) => x !== '').join('; ') };
}

function splitList(s: string): string[] {
  return s
    .split(/\s*[,/]\s*/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** Parse one default-credential CSV; throws FeedError if the header is not a known layout. */
export function parseDefaultCredentials(text: string): DefaultCredsResult {
  const { records, problems: csvProblems } = parseCsv(text, { maxRecords: MAX_ROWS });
  const problems: FeedProblem[] = csvProblems.map((p) => ({ where: `line ${p.line}`, message: p.message }));
  const found = detectCredentialLayout(records);
  if (found === null) {
    throw new FeedError('line 1', 'not a default-credential list: the header is none of the known layouts');
  }
  const { header, layout, col } = found;
  const out = new Map<string, DefaultCredential>();
  const add = (c: DefaultCredential) => {
    if (c.user === '' && c.password === '') return;
    const k = [c.vendor, c.product, c.user, c.password, c.protocol, c.access].join('\0');
    if (!out.has(k)) out.set(k, c);
  };
  const need = Math.max(...col.values()) + 1;
  for (const r of records) {
    if (r.line <= header.line || isBlankRecord(r) || (r.fields[0] ?? '').trimStart().startsWith('#')) continue;
    const get = (name: string): string => {
      const i = col.get(name);
      if (i === undefined) return '';
      const v = (r.fields[i] ?? '').trim();
      return v.length > MAX_FIELD ? v.slice(0, MAX_FIELD) : v;
    };
    if (layout !== 'scadapass' && r.fields.length < Math.min(need, 3)) {
      problems.push({ where: `line ${r.line}`, message: `expected ${need} columns, found ${r.fields.length}` });
      continue;
    }
    switch (layout) {
      case 'scadapass': {
        const vendor = get('vendor');
        const product = get('device');
        const ports = splitList(get('port'));
        const protoCol = splitList(get('protocol')).map((p) => p.toLowerCase());
        const numericPorts = ports
          .map((p) => /^(\d{1,5})(?:\/(?:tcp|udp))?$/i.exec(p)?.[1])
          .filter((p): p is string => p !== undefined);
        const portText = ports.length > 0 && numericPorts.length === 0 ? get('port') : '';
        for (const piece of splitPairs(get('defaultpassword'))) {
          const c = parseScadapassPiece(piece);
          if (c === null) continue;
          const labelProto = PROTOCOL_LABEL.test(c.label) ? c.label.toLowerCase() : null;
          const protocols =
            labelProto !== null
              ? [labelProto]
              : protoCol.length > 0
                ? protoCol
                : numericPorts.length > 0
                  ? numericPorts
                  : [''];
          const access = labelProto !== null ? '' : c.label || portText;
          for (const protocol of protocols)
            add({ vendor, product, user: c.user, password: c.password, protocol, access, list: layout });
        }
        break;
      }
      case 'iti-ics-default-passwords': {
        const iface = get('interface');
        const lower = iface.toLowerCase();
        add({
          vendor: get('manufacturer'),
          product: get('model'),
          user: blank(get('login')),
          password: blank(get('password')),
          protocol: lower === 'web' ? 'http' : lower,
          access: iface,
          list: layout,
        });
        break;
      }
      case 'defaultcreds-cheat-sheet':
        add({
          vendor: get('productvendor'),
          product: '',
          user: blank(get('username')),
          password: blank(get('password')),
          protocol: '',
          access: '',
          list: layout,
        });
        break;
      case 'generic':
        add({
          vendor: get('vendor'),
          product: get('product') || get('model'),
          user: get('username') || get('user'),
          password: get('password'),
          protocol: get('protocol').toLowerCase(),
          access: get('access'),
          list: layout,
        });
        break;
    }
  }
  return { layout, credentials: [...out.values()], problems };
}
