/**
 * Line numbers for problems found in YAML files: the line of the deepest node along a path that
 * exists in the document, so a missing key is reported at its parent. Shared by the configuration,
 * the bootstrap answers' Butane snippets and anything else that validates parsed YAML.
 */
import { isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

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
