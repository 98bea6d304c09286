// A small POSIX sh reader for `finit-pods import`: it splits a script into simple commands and
// their words the way sh does (quotes, backslashes, line continuation, comments, here-documents,
// operators), without running or expanding anything. Every expansion sh would perform ($X, ${X},
// $(…), `…`, ~) is kept as written and recorded, so the caller can refuse a word whose value is
// only known when the script runs.

export interface ShWord {
  /** The word after quote removal; expansions are left as written. */
  value: string;
  /** The word's source text. */
  raw: string;
  /** Expansions sh would perform on it, as written: `$HOME`, `${X:-y}`, `$(date)`, `` `x` ``, `~`. */
  expansions: string[];
  /** It has unquoted pattern characters (* ? [): sh replaces it by the file names it matches. */
  glob: boolean;
  /** It has no quotes, backslashes or expansions: reserved words and assignments are only such words. */
  plain: boolean;
  line: number;
}

export interface ShCommand {
  words: ShWord[];
  /** Line of its first word, and of its last token. */
  line: number;
  endLine: number;
  /** Its source text, from the first word to the end of its last word or redirection. */
  text: string;
  /** The operator joining it to the command before: '' (newline, ';', '&' or first), '&&', '||', '|'. */
  joinedBy: '' | '&&' | '||' | '|';
  /** The compound commands it is inside, outermost first: if, while, until, for, case, function, {, (. */
  inside: string[];
}

export interface ShProblem {
  line: number;
  message: string;
}

type Token =
  | { kind: 'word'; word: ShWord; start: number; end: number }
  | { kind: 'op'; op: string; line: number; start: number; end: number }
  | { kind: 'newline'; line: number; start: number };

const OPERATORS = [
  '&&',
  '||',
  ';;',
  '<<-',
  '<<',
  '>>',
  '<&',
  '>&',
  '<>',
  '>|',
  ';',
  '&',
  '|',
  '(',
  ')',
  '<',
  '>',
];
const REDIRECTIONS = new Set(['<', '>', '>>', '<&', '>&', '<>', '>|', '<<', '<<-']);
const OP_START = new Set([';', '&', '|', '(', ')', '<', '>']);

/**
 * Splits sh source into tokens. With `comments` false a `#` is an ordinary character (as in a
 * string that wordexp(3) splits), and here-documents are not read.
 */
function tokenize(text: string, comments: boolean): { tokens: Token[]; problems: ShProblem[] } {
  const tokens: Token[] = [];
  const problems: ShProblem[] = [];
  let p = 0;
  let line = 1;
  let cur: (Omit<ShWord, 'raw'> & { start: number }) | null = null;
  let heredocNext: { strip: boolean } | null = null;
  const heredocs: { delim: string; strip: boolean; line: number }[] = [];

  const start = () => {
    cur ??= { value: '', expansions: [], glob: false, plain: true, line, start: p };
    return cur;
  };
  const end = () => {
    if (!cur) return;
    const { start: s, ...w } = cur;
    const word: ShWord = { ...w, raw: text.slice(s, p) };
    tokens.push({ kind: 'word', word, start: s, end: p });
    if (heredocNext) {
      heredocs.push({ delim: word.value, strip: heredocNext.strip, line: word.line });
      heredocNext = null;
    }
    cur = null;
  };
  const countLines = (s: string) => {
    for (const c of s) if (c === '\n') line++;
  };
  /** Index just past the closer matching the opener at text[i] (`(`…`)`, `{`…`}`), skipping quotes. */
  const matching = (i: number, open: string, close: string): number => {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const c = text[j];
      if (c === '\\') j++;
      else if (c === "'") {
        const q = text.indexOf("'", j + 1);
        if (q < 0) return -1;
        j = q;
      } else if (c === '"') {
        for (j++; j < text.length && text[j] !== '"'; j++) if (text[j] === '\\') j++;
      } else if (c === open) depth++;
      else if (c === close && --depth === 0) return j + 1;
    }
    return -1;
  };
  /** A `$` expansion at text[p]: its source text, or undefined when the `$` is literal. */
  const dollar = (): string | undefined => {
    const n = text[p + 1];
    let stop = -1;
    if (n === '{') stop = matching(p + 1, '{', '}');
    else if (n === '(') stop = matching(p + 1, '(', ')');
    else if (n !== undefined && /[A-Za-z_]/.test(n)) {
      stop = p + 2;
      while (stop < text.length && /[A-Za-z0-9_]/.test(text[stop]!)) stop++;
    } else if (n !== undefined && /[0-9@*#?$!-]/.test(n)) stop = p + 2;
    else return undefined;
    if (stop < 0) {
      problems.push({ line, message: `unterminated ${n === '{' ? '${' : '$('}` });
      stop = text.length;
    }
    const s = text.slice(p, stop);
    countLines(s);
    p = stop;
    return s;
  };
  const backtick = (): string => {
    let j = p + 1;
    for (; j < text.length && text[j] !== '`'; j++) if (text[j] === '\\') j++;
    if (j >= text.length) problems.push({ line, message: 'unterminated `' });
    const s = text.slice(p, Math.min(j + 1, text.length));
    countLines(s);
    p = Math.min(j + 1, text.length);
    return s;
  };
  /** Appends the `$` at text[p] to w: an expansion (true), or a literal "$" (false). */
  const takeDollar = (w: Pick<ShWord, 'value' | 'expansions'>): boolean => {
    const s = dollar();
    if (s === undefined) {
      w.value += '$';
      p++;
      return false;
    }
    w.expansions.push(s);
    w.value += s;
    return true;
  };
  /** Appends the backtick command substitution at text[p] to w. */
  const takeBacktick = (w: Pick<ShWord, 'value' | 'expansions'>): void => {
    const s = backtick();
    w.expansions.push(s);
    w.value += s;
  };

  while (p < text.length) {
    const c = text[p]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      end();
      p++;
      continue;
    }
    if (c === '\n') {
      end();
      tokens.push({ kind: 'newline', line, start: p });
      line++;
      p++;
      // here-document bodies start on the next line: they are data, not commands
      for (const h of heredocs.splice(0)) {
        for (;;) {
          if (p >= text.length) {
            problems.push({
              line: h.line,
              message: `here-document ended by end of file, not by "${h.delim}"`,
            });
            break;
          }
          const nl = text.indexOf('\n', p);
          const stop = nl < 0 ? text.length : nl;
          const body = text.slice(p, stop);
          p = nl < 0 ? text.length : nl + 1;
          line++;
          if ((h.strip ? body.replace(/^\t+/, '') : body) === h.delim) break;
        }
      }
      continue;
    }
    if (c === '#' && cur === null && comments) {
      while (p < text.length && text[p] !== '\n') p++;
      continue;
    }
    if (c === '\\') {
      const n = text[p + 1];
      if (n === '\n') {
        // line continuation: both characters vanish, the word goes on
        p += 2;
        line++;
        continue;
      }
      const w = start();
      w.plain = false;
      if (n === undefined) {
        w.value += '\\';
        p++;
      } else {
        w.value += n;
        p += 2;
      }
      continue;
    }
    if (c === "'") {
      const w = start();
      w.plain = false;
      const q = text.indexOf("'", p + 1);
      if (q < 0) {
        problems.push({ line, message: "unterminated ' quote" });
        const s = text.slice(p + 1);
        w.value += s;
        countLines(s);
        p = text.length;
      } else {
        const s = text.slice(p + 1, q);
        w.value += s;
        countLines(s);
        p = q + 1;
      }
      continue;
    }
    if (c === '"') {
      const w = start();
      w.plain = false;
      const opened = line;
      p++;
      let closed = false;
      while (p < text.length) {
        const d = text[p]!;
        if (d === '"') {
          closed = true;
          p++;
          break;
        }
        if (d === '\\') {
          const n = text[p + 1];
          if (n === '\n') {
            p += 2;
            line++;
          } else if (n !== undefined && '$`"\\'.includes(n)) {
            w.value += n;
            p += 2;
          } else {
            w.value += '\\';
            p++;
          }
          continue;
        }
        if (d === '$') {
          takeDollar(w);
          continue;
        }
        if (d === '`') {
          takeBacktick(w);
          continue;
        }
        if (d === '\n') line++;
        w.value += d;
        p++;
      }
      if (!closed) problems.push({ line: opened, message: 'unterminated " quote' });
      continue;
    }
    if (c === '$') {
      const w = start();
      if (takeDollar(w)) w.plain = false;
      continue;
    }
    if (c === '`') {
      const w = start();
      w.plain = false;
      takeBacktick(w);
      continue;
    }
    if (OP_START.has(c)) {
      // `2>&1`: a number right before < or > is the redirected descriptor, not a word
      const ioNumber: boolean =
        (c === '<' || c === '>') &&
        cur !== null &&
        (cur as ShWord).plain &&
        /^\d+$/.test((cur as ShWord).value);
      if (ioNumber) cur = null;
      else end();
      const op = OPERATORS.find((o) => text.startsWith(o, p))!;
      tokens.push({ kind: 'op', op, line, start: p, end: p + op.length });
      p += op.length;
      if (op === '<<' || op === '<<-') {
        if (comments) heredocNext = { strip: op === '<<-' };
      }
      continue;
    }
    const w = start();
    if (c === '~' && w.value === '' && w.plain) {
      w.expansions.push('~');
      w.plain = false;
    }
    if (c === '*' || c === '?' || c === '[') w.glob = true;
    w.value += c;
    p++;
  }
  end();
  if (heredocs.length > 0)
    for (const h of heredocs)
      problems.push({ line: h.line, message: `here-document ended by end of file, not by "${h.delim}"` });
  return { tokens, problems };
}

/** Splits one string into words as sh (or wordexp(3)) would; operators and newlines are problems. */
export function shellWords(text: string): { words: ShWord[]; problems: ShProblem[] } {
  const { tokens, problems } = tokenize(text, false);
  const words: ShWord[] = [];
  for (const t of tokens) {
    if (t.kind === 'word') words.push(t.word);
    else if (t.kind === 'op')
      problems.push({ line: t.line, message: `an unquoted "${t.op}" (sh would read it as an operator)` });
    else problems.push({ line: t.line, message: 'a newline' });
  }
  return { words, problems };
}

const OPENERS: Record<string, string> = { if: 'if', while: 'while', until: 'until', '{': '{' };
const CLOSERS: Record<string, string> = { fi: 'if', done: 'loop', '}': '{', esac: 'case' };
const GO_ON = new Set(['then', 'else', 'elif', 'do', '!']);

interface Frame {
  kind: string;
  /** case: reading its word (`case W in`), a pattern (`P)`), or commands */
  caseState?: 'word' | 'pattern' | 'body';
}

/**
 * Splits a script into its simple commands. Compound commands (if, while, until, for, case,
 * functions, { }, ( )) are followed only far enough to say which commands are inside them.
 */
export function parseScript(text: string): { commands: ShCommand[]; problems: ShProblem[] } {
  const { tokens, problems } = tokenize(text, true);
  const commands: ShCommand[] = [];
  const stack: Frame[] = [];
  let words: ShWord[] = [];
  let first = -1;
  let last = -1;
  let lastLine = 0;
  let joinedBy: ShCommand['joinedBy'] = '';
  let pendingJoin: ShCommand['joinedBy'] = '';
  let redirectTarget = false;
  let forHeader = false;
  let functionNext = false;

  const top = () => stack[stack.length - 1];
  const pop = (kind: string) => {
    const want = kind === 'loop' ? ['while', 'until', 'for'] : [kind];
    for (let i = stack.length - 1; i >= 0; i--) {
      if (want.includes(stack[i]!.kind) || (kind === '{' && stack[i]!.kind === 'function')) {
        stack.length = i;
        return;
      }
    }
  };
  const finish = () => {
    if (words.length > 0) {
      commands.push({
        words,
        line: words[0]!.line,
        endLine: lastLine,
        text: text.slice(first, last),
        joinedBy,
        inside: stack.map((f) => f.kind),
      });
    }
    words = [];
    first = -1;
    redirectTarget = false;
  };

  for (const t of tokens) {
    const frame = top();
    if (t.kind === 'newline') {
      if (words.length > 0 || redirectTarget) finish();
      // a newline after && || | continues the list
      if (pendingJoin === '') joinedBy = '';
      if (forHeader) continue;
      if (frame?.kind === 'case' && frame.caseState === 'word') continue;
      continue;
    }
    if (t.kind === 'op') {
      const op = t.op;
      if (forHeader) {
        continue;
      }
      if (frame?.kind === 'case' && frame.caseState === 'pattern') {
        if (op === ')') frame.caseState = 'body';
        continue; // `(` and `|` inside a pattern
      }
      if (REDIRECTIONS.has(op)) {
        if (first < 0) first = t.start;
        last = t.end;
        lastLine = t.line;
        redirectTarget = true;
        continue;
      }
      if (op === '(') {
        if (words.length === 1 && words[0]!.plain) {
          // NAME() { …; }: a function definition
          words = [];
          first = -1;
          functionNext = true;
          continue;
        }
        finish();
        stack.push({ kind: '(' });
        continue;
      }
      if (op === ')') {
        if (functionNext && words.length === 0) continue;
        finish();
        pop('(');
        continue;
      }
      finish();
      if (op === ';;') {
        if (frame?.kind === 'case') frame.caseState = 'pattern';
        joinedBy = '';
        pendingJoin = '';
        continue;
      }
      pendingJoin = op === '&&' || op === '||' || op === '|' ? op : '';
      joinedBy = pendingJoin;
      continue;
    }
    const w = t.word;
    if (redirectTarget) {
      redirectTarget = false;
      last = t.end;
      lastLine = w.line;
      continue;
    }
    if (forHeader) {
      if (w.plain && w.value === 'do') forHeader = false;
      continue;
    }
    if (frame?.kind === 'case' && frame.caseState !== 'body' && words.length === 0) {
      if (frame.caseState === 'word') {
        if (w.plain && w.value === 'in') frame.caseState = 'pattern';
        continue;
      }
      if (w.plain && w.value === 'esac') {
        stack.pop();
        continue;
      }
      continue; // a pattern word
    }
    if (words.length === 0 && w.plain) {
      const v = w.value;
      if (functionNext && v === '{') {
        functionNext = false;
        stack.push({ kind: 'function' });
        continue;
      }
      if (v in OPENERS) {
        stack.push({ kind: OPENERS[v]! });
        continue;
      }
      if (v === 'for') {
        stack.push({ kind: 'for' });
        forHeader = true;
        continue;
      }
      if (v === 'case') {
        stack.push({ kind: 'case', caseState: 'word' });
        continue;
      }
      if (v in CLOSERS) {
        pop(CLOSERS[v]!);
        continue;
      }
      if (GO_ON.has(v)) continue;
    }
    if (words.length === 0) {
      first = t.start;
      pendingJoin = '';
    }
    words.push(w);
    last = t.end;
    lastLine = w.line;
  }
  finish();
  return { commands, problems };
}

/** Leading `NAME=VALUE` words of a command are assignments, not its name or arguments. */
export function isAssignment(w: ShWord): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.raw);
}
