/**
 * Execution of the Go text/template subset (parser: template-parse.ts) with matchbox's option
 * `missingkey=error`: reading a key a map does not have is an error, so a typo in a template fails
 * the request instead of rendering an empty value into a node's configuration. `index` on a
 * missing key yields no value (Go's behaviour), which is what `{{if index . "k"}}` relies on.
 * Values print like Go's `fmt` `%v` for JSON data (numbers as float64: 3 → 3, 1000000 → 1e+06).
 */
import { parseTemplate, TemplateError, type Arg, type Node, type Pipe } from './template-parse.js';
import { errorMessage } from '../lib/errors.js';

export { TemplateError } from './template-parse.js';

type Value = unknown;
type Vars = { name: string; value: Value }[];

/** A parsed template; parse once at load, execute per request. */
export class Template {
  private constructor(readonly name: string, private readonly root: Node[]) {}

  /** Throws TemplateError for syntax errors and unsupported constructs. */
  static parse(name: string, src: string): Template {
    return new Template(name, parseTemplate(name, src));
  }

  /** Render with `data` as dot. Throws TemplateError (missing key, bad call, ...). */
  execute(data: Value): string {
    const out: string[] = [];
    const vars: Vars = [{ name: '$', value: data }];
    this.walk(this.root, data, vars, out);
    return out.join('');
  }

  private walk(list: Node[], dot: Value, vars: Vars, out: string[]): void {
    for (const node of list) {
      switch (node.t) {
        case 'text':
          out.push(node.text);
          break;
        case 'print': {
          const v = this.pipe(node.pipe, dot, vars);
          if (node.pipe.decl.length === 0) out.push(printValue(v));
          break;
        }
        case 'if':
        case 'with': {
          const mark = vars.length;
          const v = this.pipe(node.pipe, dot, vars);
          if (truth(v)) this.walk(node.list, node.t === 'with' ? v : dot, vars, out);
          else if (node.elseList !== undefined) this.walk(node.elseList, dot, vars, out);
          vars.length = mark;
          break;
        }
        case 'range':
          this.range(node, dot, vars, out);
          break;
      }
    }
  }

  private range(node: Extract<Node, { t: 'range' }>, dot: Value, vars: Vars, out: string[]): void {
    const mark = vars.length;
    const decl = node.pipe.decl;
    const v = this.pipe({ ...node.pipe, decl: [] }, dot, vars);
    let items: [Value, Value][];
    if (Array.isArray(v)) items = v.map((x, i) => [i, x]);
    else if (isMap(v)) items = Object.keys(v).sort().map((k) => [k, v[k]]);
    else if (v === null || v === undefined) items = [];
    else throw this.error(node.pipe, `range can't iterate over ${printValue(v)}`);
    for (const [k, x] of items) {
      vars.length = mark;
      if (decl.length === 1) vars.push({ name: decl[0] as string, value: x });
      if (decl.length === 2) vars.push({ name: decl[0] as string, value: k }, { name: decl[1] as string, value: x });
      this.walk(node.list, x, vars, out);
    }
    vars.length = mark;
    if (items.length === 0 && node.elseList !== undefined) this.walk(node.elseList, dot, vars, out);
  }

  private pipe(pipe: Pipe, dot: Value, vars: Vars): Value {
    let v: Value = undefined;
    let first = true;
    for (const cmd of pipe.cmds) {
      v = this.command(pipe, cmd.args, dot, vars, first ? undefined : { value: v });
      first = false;
    }
    for (const name of pipe.decl) vars.push({ name, value: v });
    return v;
  }

  private command(pipe: Pipe, args: Arg[], dot: Value, vars: Vars, final: { value: Value } | undefined): Value {
    const head = args[0] as Arg;
    if (head.t === 'ident') {
      const fn = FUNCS[head.name];
      if (fn === undefined) throw this.error(pipe, `function "${head.name}" not defined`);
      const values = args.slice(1).map((a) => this.arg(pipe, a, dot, vars));
      if (final !== undefined) values.push(final.value);
      try {
        return fn(...values);
      } catch (e) {
        throw this.error(pipe, `error calling ${head.name}: ${errorMessage(e)}`);
      }
    }
    if (args.length > 1 || final !== undefined) throw this.error(pipe, `can't give argument to non-function ${describe(head)}`);
    return this.arg(pipe, head, dot, vars);
  }

  private arg(pipe: Pipe, a: Arg, dot: Value, vars: Vars): Value {
    if (a.t === 'lit') return a.value;
    if (a.t === 'ident') {
      const fn = FUNCS[a.name];
      if (fn === undefined) throw this.error(pipe, `function "${a.name}" not defined`);
      return fn();
    }
    let base: Value;
    if (a.base === 'dot') base = dot;
    else if ('var' in a.base) {
      const name = a.base.var;
      const found = [...vars].reverse().find((x) => x.name === name);
      if (found === undefined) throw this.error(pipe, `undefined variable: ${name}`);
      base = found.value;
    } else base = this.pipe(a.base, dot, vars);
    for (const key of a.path) {
      if (isMap(base)) {
        if (!Object.prototype.hasOwnProperty.call(base, key)) throw this.error(pipe, `map has no entry for key "${key}"`);
        base = base[key];
      } else if (base === null || base === undefined) {
        throw this.error(pipe, `nil pointer evaluating interface {}.${key}`);
      } else {
        throw this.error(pipe, `can't evaluate field ${key} in type ${goType(base)}`);
      }
    }
    return base;
  }

  private error(pipe: Pipe, message: string): TemplateError {
    return new TemplateError(`template ${this.name}:${pipe.line}: ${message}`);
  }
}

function describe(a: Arg): string {
  if (a.t === 'lit') return JSON.stringify(a.value);
  if (a.t === 'ident') return a.name;
  return a.path.length === 0 ? '.' : `.${a.path.join('.')}`;
}

function isMap(v: Value): v is Record<string, Value> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function goType(v: Value): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'interface {}';
}

/** Go's template truth: false, 0, "", nil and empty collections are false. */
export function truth(v: Value): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/**
 * Go's `fmt` `%v` for a float64: `strconv.FormatFloat(f, 'g', -1, 64)`, i.e. the shortest digits
 * that round-trip, in exponent form when the decimal exponent is < -4 or >= 6 (3 → "3",
 * 1000000 → "1e+06", 0.00001 → "1e-05").
 */
export function formatGoFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mant, expText] = n.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? `0${e}` : e}`;
  }
  const digits = mant.replace('-', '').replace('.', '');
  const nd = digits.length;
  let s: string;
  if (exp >= nd - 1) s = digits + '0'.repeat(exp - nd + 1);
  else if (exp >= 0) s = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else s = `0.${'0'.repeat(-exp - 1)}${digits}`;
  return n < 0 ? `-${s}` : s;
}

/** How a value prints in a template (`fmt.Fprint`) and in /metadata (`%v`). */
export function printValue(v: Value, nested = false): string {
  if (v === null || v === undefined) return nested ? '<nil>' : '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatGoFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map((x) => printValue(x, true)).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${printValue(v[k], true)}`).join(' ')}]`;
  return JSON.stringify(v) ?? '';
}

function equal(a: Value, b: Value): boolean {
  if (typeof a !== typeof b && !(a == null && b == null)) throw new Error('incompatible types for comparison');
  if (typeof a === 'object' && a !== null) throw new Error('non-comparable type');
  return a === b;
}

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

function sprintf(format: unknown, ...args: Value[]): string {
  if (typeof format !== 'string') throw new Error('printf format must be a string');
  let i = 0;
  return format.replace(/%([%vsdq])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (verb === 'q') return typeof a === 'string' ? goQuote(a) : printValue(a);
    if (verb === 'd') return typeof a === 'number' && Number.isInteger(a) ? String(a) : `%!d(${printValue(a)})`;
    return printValue(a);
  });
}

/** The functions racker's subset provides (Go built-ins of the same name). */
const FUNCS: Record<string, (...args: Value[]) => Value> = {
  index(item: Value, ...keys: Value[]): Value {
    let v = item;
    for (const k of keys) {
      if (Array.isArray(v)) {
        if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= v.length) throw new Error(`index out of range: ${printValue(k)}`);
        v = v[k];
      } else if (isMap(v)) {
        if (typeof k !== 'string') throw new Error('value has type float64; should be string');
        v = Object.prototype.hasOwnProperty.call(v, k) ? v[k] : undefined;
      } else if (v === null || v === undefined) {
        throw new Error('index of untyped nil');
      } else {
        throw new Error(`can't index item of type ${goType(v)}`);
      }
    }
    return v;
  },
  len(v: Value): Value {
    if (typeof v === 'string') return Buffer.byteLength(v);
    if (Array.isArray(v)) return v.length;
    if (isMap(v)) return Object.keys(v).length;
    throw new Error(`len of type ${goType(v)}`);
  },
  not: (v: Value) => !truth(v),
  and: (...vs: Value[]) => vs.find((v) => !truth(v)) ?? vs[vs.length - 1],
  or: (...vs: Value[]) => vs.find((v) => truth(v)) ?? vs[vs.length - 1],
  eq: (a: Value, ...bs: Value[]) => bs.some((b) => equal(a, b)),
  ne: (a: Value, b: Value) => !equal(a, b),
  print: (...vs: Value[]) => vs.map((v) => printValue(v, true)).join(''),
  println: (...vs: Value[]) => `${vs.map((v) => printValue(v, true)).join(' ')}\n`,
  printf: (format: Value, ...vs: Value[]) => sprintf(format, ...vs),
  urlquery: (...vs: Value[]) => encodeURIComponent(vs.map((v) => printValue(v, true)).join('')).replace(/%20/g, '+'),
};

/** Parse and execute in one go (tests, one-off renders). */
export function renderTemplate(name: string, src: string, data: Value): string {
  try {
    return Template.parse(name, src).execute(data);
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    throw new TemplateError(`template ${name}: ${errorMessage(e)}`);
  }
}
