// Which protocol units cannot change data: those that only run the read path's named prepared statements, whose
// names start with READ_STATEMENT_PREFIX (the api's preparedQuery names only plain SELECTs so). Everything else is
// treated as a possible write (engineWriteClock.ts), so a unit this does not recognise costs a check, never a
// stale answer.

/** Names of prepared statements that only read (a SELECT without side effects). */
export const READ_STATEMENT_PREFIX = 'atlas_read_';

const PARSE = 0x50; // 'P'
const BIND = 0x42; // 'B'
const DESCRIBE = 0x44; // 'D'
const EXECUTE = 0x45; // 'E'
const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const decoder = new TextDecoder();

/** The NUL-terminated string at `at`, and where the next field starts. */
function cString(bytes: Uint8Array, at: number, end: number): [string, number] {
  let stop = at;
  while (stop < end && bytes[stop] !== 0) stop++;
  return [decoder.decode(bytes.subarray(at, stop)), stop + 1];
}

const readName = (name: string) => /^atlas_read_[a-z0-9_]+$/.test(name);

/**
 * True when `unit` (whole frontend messages, one exchange) is either extended-protocol Parse/Bind/Describe/Execute/
 * Sync of read statements only (at least one Bind), or one simple Query holding nothing but `EXECUTE atlas_read_…(…)`
 * statements.
 */
export function isReadOnlyUnit(unit: Uint8Array): boolean {
  let binds = 0;
  for (let at = 0; at < unit.length;) {
    if (at + 5 > unit.length) return false;
    const type = unit[at];
    const length = ((unit[at + 1] << 24) | (unit[at + 2] << 16) | (unit[at + 3] << 8) | unit[at + 4]) >>> 0;
    const body = at + 5;
    const end = at + 1 + length;
    if (length < 4 || end > unit.length) return false;
    if (type === QUERY) return at === 0 && end === unit.length && onlyReadExecutes(cString(unit, body, end)[0]);
    if (type === PARSE) {
      const [name, next] = cString(unit, body, end);
      if (!readName(name) || !/^\s*SELECT\s/i.test(cString(unit, next, end)[0])) return false;
    } else if (type === BIND) {
      const [, next] = cString(unit, body, end); // the portal
      if (!readName(cString(unit, next, end)[0])) return false;
      binds++;
    } else if (type !== DESCRIBE && type !== EXECUTE && type !== SYNC) return false;
    at = end;
  }
  return binds > 0;
}

/**
 * `EXECUTE atlas_read_x('lit', …)` statements separated by `;` and nothing else. The arguments are literals
 * (quoted strings with '' or, in E'' strings, backslash escapes; numbers; NULL), as preparedQuery writes them.
 */
export function onlyReadExecutes(sql: string): boolean {
  const head = /\s*EXECUTE\s+(atlas_read_[a-z0-9_]+)\s*\(/y;
  // The api's message may first ask for generic plans for itself (preparedQuery's GENERIC_PLANS): no data changes.
  const generic = /^\s*SET LOCAL plan_cache_mode = force_generic_plan;/.exec(sql);
  let at = generic ? generic[0].length : 0;
  let statements = 0;
  for (;;) {
    head.lastIndex = at;
    if (!head.exec(sql)) return false;
    at = head.lastIndex;
    // Arguments up to the closing parenthesis, skipping over quoted literals.
    for (;;) {
      const c = sql[at];
      if (c === undefined) return false;
      if (c === ')') break;
      if (c === "'" || ((c === 'E' || c === 'e') && sql[at + 1] === "'")) {
        const escapes = c !== "'";
        at += escapes ? 2 : 1;
        for (;;) {
          const q = sql[at];
          if (q === undefined) return false;
          if (escapes && q === '\\') at += 2;
          else if (q === "'" && sql[at + 1] === "'") at += 2;
          else if (q === "'") break;
          else at++;
        }
        at++;
      } else if (/[\s,0-9.eE+\-NUL]/.test(c)) at++;
      else return false;
    }
    at++;
    statements++;
    const rest = /\s*(;|$)/y;
    rest.lastIndex = at;
    const m = rest.exec(sql);
    if (!m) return false;
    at = rest.lastIndex;
    if (m[1] === '' || at >= sql.length || /^\s*$/.test(sql.slice(at))) return statements > 0;
  }
}
