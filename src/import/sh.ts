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
  const lexer = new Lexer(text, comments);
  lexer.run();
  return { tokens: lexer.tokens, problems: lexer.problems };
}

/** The tokenizer's state: one pass over the text, one method per construct sh knows. */
class Lexer {
  readonly tokens: Token[] = [];
  readonly problems: ShProblem[] = [];
  /** Where it reads, and that position's line. */
  private p = 0;
  private line = 1;
  /** The word being read, if any. */
  private cur: (Omit<ShWord, 'raw'> & { start: number }) | null = null;
  /** A `<<` was read: the next word is a here-document's delimiter. */
  private heredocNext: { strip: boolean } | null = null;
  /** Here-documents whose bodies start on the next line. */
  private heredocs: { delim: string; strip: boolean; line: number }[] = [];

  constructor(
    private readonly text: string,
    private readonly comments: boolean,
  ) {}

  run(): void {
    const { text } = this;
    while (this.p < text.length) {
      const c = text[this.p]!;
      if (c === ' ' || c === '\t' || c === '\r') {
        this.end();
        this.p++;
      } else if (c === '\n') this.newline();
      else if (c === '#' && this.cur === null && this.comments) {
        while (this.p < text.length && text[this.p] !== '\n') this.p++;
      } else if (c === '\\') this.backslash();
      else if (c === "'") this.singleQuoted();
      else if (c === '"') this.doubleQuoted();
      else if (c === '$') {
        const w = this.start();
        if (this.takeDollar(w)) w.plain = false;
      } else if (c === '`') {
        const w = this.start();
        w.plain = false;
        this.takeBacktick(w);
      } else if (OP_START.has(c)) this.operator(c);
      else this.plainChar(c);
    }
    this.end();
    for (const h of this.heredocs)
      this.problems.push({
        line: h.line,
        message: `here-document ended by end of file, not by "${h.delim}"`,
      });
  }

  private start() {
    this.cur ??= { value: '', expansions: [], glob: false, plain: true, line: this.line, start: this.p };
    return this.cur;
  }

  private end(): void {
    if (!this.cur) return;
    const { start: s, ...w } = this.cur;
    const word: ShWord = { ...w, raw: this.text.slice(s, this.p) };
    this.tokens.push({ kind: 'word', word, start: s, end: this.p });
    if (this.heredocNext) {
      this.heredocs.push({ delim: word.value, strip: this.heredocNext.strip, line: word.line });
      this.heredocNext = null;
    }
    this.cur = null;
  }

  private countLines(s: string): void {
    for (const c of s) if (c === '\n') this.line++;
  }

  /** A newline ends the word and the command; here-document bodies start after it: data, not commands. */
  private newline(): void {
    const { text } = this;
    this.end();
    this.tokens.push({ kind: 'newline', line: this.line, start: this.p });
    this.line++;
    this.p++;
    for (const h of this.heredocs.splice(0)) {
      for (;;) {
        if (this.p >= text.length) {
          this.problems.push({
            line: h.line,
            message: `here-document ended by end of file, not by "${h.delim}"`,
          });
          break;
        }
        const nl = text.indexOf('\n', this.p);
        const body = text.slice(this.p, nl < 0 ? text.length : nl);
        this.p = nl < 0 ? text.length : nl + 1;
        this.line++;
        if ((h.strip ? body.replace(/^\t+/, '') : body) === h.delim) break;
      }
    }
  }

  private backslash(): void {
    const n = this.text[this.p + 1];
    if (n === '\n') {
      // line continuation: both characters vanish, the word goes on
      this.p += 2;
      this.line++;
      return;
    }
    const w = this.start();
    w.plain = false;
    if (n === undefined) {
      w.value += '\\';
      this.p++;
    } else {
      w.value += n;
      this.p += 2;
    }
  }

  private singleQuoted(): void {
    const w = this.start();
    w.plain = false;
    const q = this.text.indexOf("'", this.p + 1);
    if (q < 0) this.problems.push({ line: this.line, message: "unterminated ' quote" });
    const s = this.text.slice(this.p + 1, q < 0 ? undefined : q);
    w.value += s;
    this.countLines(s);
    this.p = q < 0 ? this.text.length : q + 1;
  }

  private doubleQuoted(): void {
    const { text } = this;
    const w = this.start();
    w.plain = false;
    const opened = this.line;
    this.p++;
    while (this.p < text.length) {
      const d = text[this.p]!;
      if (d === '"') {
        this.p++;
        return;
      }
      if (d === '\\') {
        const n = text[this.p + 1];
        if (n === '\n') {
          this.p += 2;
          this.line++;
        } else if (n !== undefined && '$`"\\'.includes(n)) {
          w.value += n;
          this.p += 2;
        } else {
          w.value += '\\';
          this.p++;
        }
      } else if (d === '$') this.takeDollar(w);
      else if (d === '`') this.takeBacktick(w);
      else {
        if (d === '\n') this.line++;
        w.value += d;
        this.p++;
      }
    }
    this.problems.push({ line: opened, message: 'unterminated " quote' });
  }

  private operator(c: string): void {
    // `2>&1`: a number right before < or > is the redirected descriptor, not a word
    const cur = this.cur;
    if ((c === '<' || c === '>') && cur?.plain && /^\d+$/.test(cur.value)) this.cur = null;
    else this.end();
    const op = OPERATORS.find((o) => this.text.startsWith(o, this.p))!;
    this.tokens.push({ kind: 'op', op, line: this.line, start: this.p, end: this.p + op.length });
    this.p += op.length;
    if ((op === '<<' || op === '<<-') && this.comments) this.heredocNext = { strip: op === '<<-' };
  }

  private plainChar(c: string): void {
    const w = this.start();
    if (c === '~' && w.value === '' && w.plain) {
      w.expansions.push('~');
      w.plain = false;
    }
    if (c === '*' || c === '?' || c === '[') w.glob = true;
    w.value += c;
    this.p++;
  }

  /** Index just past the closer matching the opener at text[i] (`(`…`)`, `{`…`}`), skipping quotes. */
  private matching(i: number, open: string, close: string): number {
    const { text } = this;
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
  }

  /** A `$` expansion at text[p]: its source text, or undefined when the `$` is literal. */
  private dollar(): string | undefined {
    const { text, p } = this;
    const n = text[p + 1];
    let stop = -1;
    if (n === '{') stop = this.matching(p + 1, '{', '}');
    else if (n === '(') stop = this.matching(p + 1, '(', ')');
    else if (n !== undefined && /[A-Za-z_]/.test(n)) {
      stop = p + 2;
      while (stop < text.length && /[A-Za-z0-9_]/.test(text[stop]!)) stop++;
    } else if (n !== undefined && /[0-9@*#?$!-]/.test(n)) stop = p + 2;
    else return undefined;
    if (stop < 0) {
      this.problems.push({ line: this.line, message: `unterminated ${n === '{' ? '${' : '$('}` });
      stop = text.length;
    }
    const s = text.slice(p, stop);
    this.countLines(s);
    this.p = stop;
    return s;
  }

  /** Appends the `$` at text[p] to w: an expansion (true), or a literal "$" (false). */
  private takeDollar(w: Pick<ShWord, 'value' | 'expansions'>): boolean {
    const s = this.dollar();
    if (s === undefined) {
      w.value += '$';
      this.p++;
      return false;
    }
    w.expansions.push(s);
    w.value += s;
    return true;
  }

  /** Appends the backtick command substitution at text[p] to w. */
  private takeBacktick(w: Pick<ShWord, 'value' | 'expansions'>): void {
    const { text } = this;
    let j = this.p + 1;
    for (; j < text.length && text[j] !== '`'; j++) if (text[j] === '\\') j++;
    if (j >= text.length) this.problems.push({ line: this.line, message: 'unterminated `' });
    const s = text.slice(this.p, Math.min(j + 1, text.length));
    this.countLines(s);
    this.p = Math.min(j + 1, text.length);
    w.expansions.push(s);
    w.value += s;
  }
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
  const parser = new ScriptParser(text);
  for (const t of tokens) {
    if (t.kind === 'newline') parser.newline();
    else if (t.kind === 'op') parser.operator(t);
    else parser.word(t);
  }
  parser.finish();
  return { commands: parser.commands, problems };
}

/** parseScript's state over the tokens: the command being read and the compound commands it is in. */
class ScriptParser {
  readonly commands: ShCommand[] = [];
  private readonly stack: Frame[] = [];
  /** The command being read: its words, and where its source text starts and ends. */
  private words: ShWord[] = [];
  private first = -1;
  private last = -1;
  private lastLine = 0;
  /** The operator before the command being read, and the one just read (a newline after it goes on). */
  private joinedBy: ShCommand['joinedBy'] = '';
  private pendingJoin: ShCommand['joinedBy'] = '';
  /** The next word is a redirection's target, not an argument. */
  private redirectTarget = false;
  /** Reading `for NAME in WORDS…` up to its `do`. */
  private forHeader = false;
  /** `NAME()` was read: a function's body follows. */
  private functionNext = false;

  constructor(private readonly text: string) {}

  /** The command read so far, if it has words, is done. */
  finish(): void {
    if (this.words.length > 0) {
      this.commands.push({
        words: this.words,
        line: this.words[0]!.line,
        endLine: this.lastLine,
        text: this.text.slice(this.first, this.last),
        joinedBy: this.joinedBy,
        inside: this.stack.map((f) => f.kind),
      });
    }
    this.words = [];
    this.first = -1;
    this.redirectTarget = false;
  }

  newline(): void {
    if (this.words.length > 0 || this.redirectTarget) this.finish();
    // a newline after && || | continues the list
    if (this.pendingJoin === '') this.joinedBy = '';
  }

  operator(t: Extract<Token, { kind: 'op' }>): void {
    const { op } = t;
    const frame = this.top();
    if (this.forHeader) return;
    if (frame?.kind === 'case' && frame.caseState === 'pattern') {
      if (op === ')') frame.caseState = 'body';
      return; // `(` and `|` inside a pattern
    }
    if (REDIRECTIONS.has(op)) {
      if (this.first < 0) this.first = t.start;
      this.last = t.end;
      this.lastLine = t.line;
      this.redirectTarget = true;
      return;
    }
    if (op === '(') {
      if (this.words.length === 1 && this.words[0]!.plain) {
        // NAME() { …; }: a function definition
        this.words = [];
        this.first = -1;
        this.functionNext = true;
        return;
      }
      this.finish();
      this.stack.push({ kind: '(' });
      return;
    }
    if (op === ')') {
      if (this.functionNext && this.words.length === 0) return;
      this.finish();
      this.pop('(');
      return;
    }
    this.finish();
    if (op === ';;') {
      if (frame?.kind === 'case') frame.caseState = 'pattern';
      this.joinedBy = '';
      this.pendingJoin = '';
      return;
    }
    this.pendingJoin = op === '&&' || op === '||' || op === '|' ? op : '';
    this.joinedBy = this.pendingJoin;
  }

  word(t: Extract<Token, { kind: 'word' }>): void {
    const w = t.word;
    const frame = this.top();
    if (this.redirectTarget) {
      this.redirectTarget = false;
      this.last = t.end;
      this.lastLine = w.line;
      return;
    }
    if (this.forHeader) {
      if (w.plain && w.value === 'do') this.forHeader = false;
      return;
    }
    if (frame?.kind === 'case' && frame.caseState !== 'body' && this.words.length === 0) {
      if (frame.caseState === 'word' && w.plain && w.value === 'in') frame.caseState = 'pattern';
      else if (frame.caseState === 'pattern' && w.plain && w.value === 'esac') this.stack.pop();
      return; // the case's word, or a pattern word
    }
    if (this.words.length === 0 && w.plain && this.reserved(w.value)) return;
    if (this.words.length === 0) {
      this.first = t.start;
      this.pendingJoin = '';
    }
    this.words.push(w);
    this.last = t.end;
    this.lastLine = w.line;
  }

  /** A reserved word at a command's start: the compound commands it opens or closes (true), or none. */
  private reserved(v: string): boolean {
    if (this.functionNext && v === '{') {
      this.functionNext = false;
      this.stack.push({ kind: 'function' });
    } else if (v in OPENERS) this.stack.push({ kind: OPENERS[v]! });
    else if (v === 'for') {
      this.stack.push({ kind: 'for' });
      this.forHeader = true;
    } else if (v === 'case') this.stack.push({ kind: 'case', caseState: 'word' });
    else if (v in CLOSERS) this.pop(CLOSERS[v]!);
    else if (!GO_ON.has(v)) return false;
    return true;
  }

  private top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** Closes the innermost compound command of `kind` ('loop': while, until or for) and all inside it. */
  private pop(kind: string): void {
    const want = kind === 'loop' ? ['while', 'until', 'for'] : [kind];
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const k = this.stack[i]!.kind;
      if (want.includes(k) || (kind === '{' && k === 'function')) {
        this.stack.length = i;
        return;
      }
    }
  }
}

/** Leading `NAME=VALUE` words of a command are assignments, not its name or arguments. */
export function isAssignment(w: ShWord): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(w.raw);
}
