/**
 * Parser for the subset of Go's text/template that matchbox users write in generic and Butane
 * templates: `{{.key}}`, `{{.a.b}}`, `{{$}}`, `{{$x := …}}`, `if`/`else`/`else if`/`end`,
 * `range` (with `$i, $v :=`), `with`, pipelines `|`, parentheses, string/number/bool literals,
 * comments, `{{-`/`-}}` trimming, and the functions in template.ts. Anything else (define,
 * template, block, break, continue) is a parse error that names it, never a silent mis-render.
 */

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

export type Arg =
  | { t: 'field'; base: 'dot' | { var: string } | Pipe; path: string[] }
  | { t: 'ident'; name: string }
  | { t: 'lit'; value: string | number | boolean | null };

export interface Cmd { args: Arg[] }
export interface Pipe { decl: string[]; cmds: Cmd[]; line: number }

export type Node =
  | { t: 'text'; text: string }
  | { t: 'print'; pipe: Pipe }
  | { t: 'if' | 'with'; pipe: Pipe; list: Node[]; elseList: Node[] | undefined }
  | { t: 'range'; pipe: Pipe; list: Node[]; elseList: Node[] | undefined };

const WS = /[ \t\r\n]/;

interface Action { body: string; line: number }

/** Split the source into text and action pieces, applying trim markers. */
function split(name: string, src: string): (string | Action)[] {
  const out: (string | Action)[] = [];
  let pos = 0;
  let line = 1;
  let trimNext = false;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = open < 0 ? src.slice(pos) : src.slice(pos, open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (open < 0) {
      out.push(text);
      break;
    }
    let start = open + 2;
    if (src[start] === '-' && WS.test(src[start + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    out.push(text);
    line += countLines(src.slice(pos, open));
    const close = findClose(src, start);
    if (close < 0) throw new TemplateError(`template ${name}:${line}: unclosed action`);
    let end = close;
    trimNext = false;
    if (src[close - 1] === '-' && WS.test(src[close - 2] ?? '')) {
      trimNext = true;
      end = close - 1;
    }
    out.push({ body: src.slice(start, end), line });
    line += countLines(src.slice(open, close));
    pos = close + 2;
  }
  return out;
}

function countLines(s: string): number {
  let n = 0;
  for (const c of s) if (c === '\n') n++;
  return n;
}

/** Index of the `}}` that closes an action, skipping quoted strings and comments. */
function findClose(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '"' || c === '`' || c === "'") {
      const q = c;
      i++;
      while (i < src.length && src[i] !== q) i += src[i] === '\\' && q !== '`' ? 2 : 1;
      i++;
    } else if (src.startsWith('/*', i)) {
      const e = src.indexOf('*/', i + 2);
      if (e < 0) return -1;
      i = e + 2;
    } else if (src.startsWith('}}', i)) {
      return i;
    } else {
      i++;
    }
  }
  return -1;
}

type Tok = { k: 'field'; path: string[] } | { k: 'var'; name: string; path: string[] } | { k: 'ident'; v: string } | { k: 'str'; v: string }
  | { k: 'num'; v: number } | { k: 'punct'; v: string };

function lex(name: string, line: number, body: string): Tok[] {
  const toks: Tok[] = [];
  const err = (m: string) => new TemplateError(`template ${name}:${line}: ${m}`);
  let i = 0;
  const fieldPath = (): string[] => {
    const path: string[] = [];
    while (body[i] === '.' && /[A-Za-z_]/.test(body[i + 1] ?? '')) {
      const m = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(body.slice(i));
      if (m === null || m[1] === undefined) break;
      path.push(m[1]);
      i += m[0].length;
    }
    return path;
  };
  while (i < body.length) {
    const c = body[i] ?? '';
    if (WS.test(c)) { i++; continue; }
    const rest = body.slice(i);
    if (c === '.') {
      const path = fieldPath();
      if (path.length === 0) { i++; toks.push({ k: 'field', path: [] }); } else toks.push({ k: 'field', path });
    } else if (c === '$') {
      const m = /^\$[A-Za-z0-9_]*/.exec(rest);
      i += m?.[0].length ?? 1;
      toks.push({ k: 'var', name: m?.[0] ?? '$', path: fieldPath() });
    } else if (c === '"') {
      const m = /^"(?:[^"\\\n]|\\.)*"/.exec(rest);
      if (m === null) throw err('unterminated quoted string');
      try {
        toks.push({ k: 'str', v: JSON.parse(m[0].replace(/\\([abfv'])/g, (_s, x: string) => ({ a: '\\u0007', b: '\\b', f: '\\f', v: '\\u000b', "'": "'" })[x] ?? x)) as string });
      } catch {
        throw err(`bad string literal ${m[0]}`);
      }
      i += m[0].length;
    } else if (c === '`') {
      const e = body.indexOf('`', i + 1);
      if (e < 0) throw err('unterminated raw string');
      toks.push({ k: 'str', v: body.slice(i + 1, e) });
      i = e + 1;
    } else if (/[-+0-9]/.test(c) && /^[-+]?\d/.test(rest)) {
      const m = /^[-+]?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(rest);
      if (m === null) throw err(`bad number ${rest}`);
      toks.push({ k: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
      const v = m?.[0] ?? c;
      toks.push({ k: 'ident', v });
      i += v.length;
    } else if (rest.startsWith(':=')) {
      toks.push({ k: 'punct', v: ':=' });
      i += 2;
    } else if ('|(),='.includes(c)) {
      toks.push({ k: 'punct', v: c });
      i++;
    } else {
      throw err(`unexpected "${c}" in action`);
    }
  }
  return toks;
}

class PipeParser {
  private i = 0;
  constructor(private readonly name: string, private readonly line: number, private readonly toks: Tok[]) {}

  private err(m: string): TemplateError {
    return new TemplateError(`template ${this.name}:${this.line}: ${m}`);
  }

  pipe(allowDecl: boolean): Pipe {
    const decl: string[] = [];
    if (allowDecl) {
      const a = this.toks[this.i];
      const b = this.toks[this.i + 1];
      const c = this.toks[this.i + 2];
      const d = this.toks[this.i + 3];
      if (a?.k === 'var' && a.path.length === 0 && b?.k === 'punct' && b.v === ':=') {
        decl.push(a.name);
        this.i += 2;
      } else if (a?.k === 'var' && b?.k === 'punct' && b.v === ',' && c?.k === 'var' && d?.k === 'punct' && d.v === ':=') {
        decl.push(a.name, c.name);
        this.i += 4;
      }
    }
    const cmds: Cmd[] = [];
    for (;;) {
      const args: Arg[] = [];
      while (this.i < this.toks.length) {
        const t = this.toks[this.i];
        if (t === undefined || (t.k === 'punct' && (t.v === '|' || t.v === ')'))) break;
        args.push(this.operand());
      }
      if (args.length === 0) throw this.err('missing value in pipeline');
      cmds.push({ args });
      const t = this.toks[this.i];
      if (t?.k === 'punct' && t.v === '|') { this.i++; continue; }
      break;
    }
    return { decl, cmds, line: this.line };
  }

  private operand(): Arg {
    const t = this.toks[this.i++];
    if (t === undefined) throw this.err('unexpected end of action');
    switch (t.k) {
      case 'field': return { t: 'field', base: 'dot', path: t.path };
      case 'var': return { t: 'field', base: { var: t.name }, path: t.path };
      case 'str': return { t: 'lit', value: t.v };
      case 'num': return { t: 'lit', value: t.v };
      case 'ident':
        if (t.v === 'true' || t.v === 'false') return { t: 'lit', value: t.v === 'true' };
        if (t.v === 'nil') return { t: 'lit', value: null };
        return { t: 'ident', name: t.v };
      case 'punct': {
        if (t.v !== '(') throw this.err(`unexpected "${t.v}"`);
        const inner = this.pipe(false);
        const close = this.toks[this.i++];
        if (close?.k !== 'punct' || close.v !== ')') throw this.err('unclosed "("');
        const next = this.toks[this.i];
        const path = next?.k === 'field' && next.path.length > 0 ? (this.i++, next.path) : [];
        return { t: 'field', base: inner, path };
      }
    }
  }

  done(): void {
    if (this.i < this.toks.length) throw this.err('unexpected tokens after pipeline');
  }
}

const UNSUPPORTED = new Set(['define', 'template', 'block', 'break', 'continue']);

/** Parse template source into a node list. Throws TemplateError naming the line. */
export function parseTemplate(name: string, src: string): Node[] {
  const pieces = split(name, src);
  type Frame = { node: Extract<Node, { list: Node[] }> | undefined; list: Node[]; inElse: boolean; elseIfDepth: number };
  const root: Node[] = [];
  const stack: Frame[] = [{ node: undefined, list: root, inElse: false, elseIfDepth: 0 }];
  const top = (): Frame => stack[stack.length - 1] as Frame;
  for (const piece of pieces) {
    if (typeof piece === 'string') {
      if (piece !== '') top().list.push({ t: 'text', text: piece });
      continue;
    }
    const body = piece.body.trim();
    if (body.startsWith('/*')) {
      if (!body.endsWith('*/')) throw new TemplateError(`template ${name}:${piece.line}: comment must end the action`);
      continue;
    }
    const toks = lex(name, piece.line, body);
    const first = toks[0];
    const kw = first?.k === 'ident' ? first.v : undefined;
    const err = (m: string) => new TemplateError(`template ${name}:${piece.line}: ${m}`);
    if (kw !== undefined && UNSUPPORTED.has(kw)) throw err(`"${kw}" is not supported by racker's template subset`);
    if (kw === 'if' || kw === 'range' || kw === 'with') {
      const p = new PipeParser(name, piece.line, toks.slice(1));
      const pipe = p.pipe(kw !== 'if');
      p.done();
      const node = { t: kw, pipe, list: [] as Node[], elseList: undefined } as Extract<Node, { list: Node[] }>;
      top().list.push(node);
      stack.push({ node, list: node.list, inElse: false, elseIfDepth: 0 });
    } else if (kw === 'else') {
      const f = top();
      if (f.node === undefined || f.inElse) throw err('unexpected {{else}}');
      f.node.elseList = [];
      f.inElse = true;
      f.list = f.node.elseList;
      if (toks[1]?.k === 'ident' && toks[1].v === 'if') {
        // `else if x` is `else` + a nested `if` closed by the same {{end}}.
        const p = new PipeParser(name, piece.line, toks.slice(2));
        const pipe = p.pipe(false);
        p.done();
        const node: Extract<Node, { list: Node[] }> = { t: 'if', pipe, list: [], elseList: undefined };
        f.list.push(node);
        stack.push({ node, list: node.list, inElse: false, elseIfDepth: f.elseIfDepth + 1 });
      } else if (toks.length > 1) {
        throw err('unexpected tokens after else');
      }
    } else if (kw === 'end') {
      if (toks.length > 1) throw err('unexpected tokens after end');
      const f = top();
      if (f.node === undefined) throw err('unexpected {{end}}');
      // An `else if` chain is closed together with its parent.
      for (let n = f.elseIfDepth; n >= 0; n--) stack.pop();
    } else {
      const p = new PipeParser(name, piece.line, toks);
      const pipe = p.pipe(true);
      p.done();
      top().list.push({ t: 'print', pipe });
    }
  }
  if (stack.length > 1) throw new TemplateError(`template ${name}: unexpected end of input (missing {{end}})`);
  return root;
}
