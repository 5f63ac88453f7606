/**
 * A small RFC 4180 CSV reader for the feed lists (KEV CSV, default-credential lists).
 *
 * - Fields separated by `,`; records by CRLF, LF or CR. A field in double quotes may hold
 *   commas, line breaks and `""` (one quote). A UTF-8 byte order mark at the start is skipped.
 * - Lenient where real lists are sloppy: a quote inside an unquoted field is kept as text, text
 *   after a closing quote is appended, and an unterminated quote runs to the end of the input
 *   (reported in `problems`, the record is still returned).
 * - Bounded: at most `maxFields` fields per record and `maxRecords` records; beyond that the
 *   rest is dropped and reported.
 * Each record carries the 1-based line on which it starts, for error messages.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export interface CsvResult {
  records: CsvRecord[];
  problems: { line: number; message: string }[];
}

export function parseCsv(text: string, opts: { maxFields?: number; maxRecords?: number } = {}): CsvResult {
  const maxFields = opts.maxFields ?? 256;
  const maxRecords = opts.maxRecords ?? 1_000_000;
  const records: CsvRecord[] = [];
  const problems: CsvResult['problems'] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = text.length;
  let line = 1;
  let fields: string[] = [];
  let field = '';
  let recordLine = 1;
  let tooWide = false;

  const endField = () => {
    if (fields.length < maxFields) fields.push(field);
    else tooWide = true;
    field = '';
  };
  const endRecord = () => {
    endField();
    if (tooWide) problems.push({ line: recordLine, message: `more than ${maxFields} fields; the rest were dropped` });
    tooWide = false;
    records.push({ line: recordLine, fields });
    fields = [];
  };

  while (i < n) {
    if (records.length >= maxRecords) {
      problems.push({ line, message: `more than ${maxRecords} records; the rest were not read` });
      return { records, problems };
    }
    const c = text[i] as string;
    if (c === '"' && field === '') {
      // Quoted field: read to the closing quote.
      const start = line;
      i++;
      let closed = false;
      let chunkStart = i;
      while (i < n) {
        const q = text.indexOf('"', i);
        if (q < 0) break;
        field += text.slice(chunkStart, q);
        for (let k = chunkStart; k < q; k++) if (text.charCodeAt(k) === 10) line++;
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
          chunkStart = i;
          continue;
        }
        i = q + 1;
        closed = true;
        break;
      }
      if (!closed) {
        field += text.slice(chunkStart);
        for (let k = chunkStart; k < n; k++) if (text.charCodeAt(k) === 10) line++;
        i = n;
        problems.push({ line: start, message: 'quoted field is not closed before the end of the file' });
      }
      continue;
    }
    if (c === ',') {
      endField();
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    // Unquoted run up to the next separator.
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 44 || d === 10 || d === 13) break;
      j++;
    }
    field += text.slice(i, j);
    i = j;
  }
  if (field !== '' || fields.length > 0) endRecord();
  return { records, problems };
}

/** Is this record empty (no fields, or only empty ones)? */
export function isBlankRecord(r: CsvRecord): boolean {
  return r.fields.every((f) => f.trim() === '');
}
