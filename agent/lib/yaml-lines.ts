/**
 * Line numbers for problems found in YAML files: the line of the deepest node along a path that
 * exists in the document, so a missing key is reported at its parent. Shared by the configuration,
 * the bootstrap answers' Butane snippets and anything else that validates parsed YAML.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { ValidationError, type ErrorCode } from './errors.js';

export function yamlLineOf(root: unknown, path: readonly string[], lines: LineCounter): number | undefined {
  let node = root as Node | null | undefined;
  let line = rangeLine(node, lines);
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === key);
      if (pair === undefined) break;
      line = rangeLine(pair.key as Node, lines) ?? line;
      node = pair.value as Node;
    } else if (isSeq(node)) {
      node = node.items[Number(key)] as Node | undefined;
      line = rangeLine(node, lines) ?? line;
    } else break;
  }
  return line;
}

function rangeLine(node: Node | null | undefined, lines: LineCounter): number | undefined {
  const start = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
  return start === undefined ? undefined : lines.linePos(start).line;
}

/** Aliases (`*name`) one document may resolve; a configuration needs a handful. */
export const MAX_YAML_ALIASES = 100;

/**
 * The document as plain data, with aliases bounded: a "billion laughs" document (aliases of
 * aliases) is a problem in the file, reported as such, not a parser exception that reads as a bug.
 */
export function yamlToJs(doc: Document, file: string, code: ErrorCode): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new ValidationError(code, `${file} is not valid YAML`, [{
      file, message: `its aliases (*name) expand too much (more than ${MAX_YAML_ALIASES} resolved)`,
      hint: 'write the values out instead of nesting aliases of aliases',
    }]);
  }
}
