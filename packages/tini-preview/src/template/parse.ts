/**
 * TXML as a tree: elements with their attributes in source order, and text. htmlparser2 in XML mode keeps the
 * case of `onTap` and reads `<image />` as closed, as Tini's compiler does; comments are dropped.
 */
import type { ChildNode } from 'domhandler';
import { parseDocument } from 'htmlparser2';

export type TNode = TElement | TText;
export interface TElement {
  type: 'element';
  tag: string;
  attrs: [name: string, value: string][];
  children: TNode[];
}
export interface TText {
  type: 'text';
  text: string;
}

export function parseTxml(source: string): TNode[] {
  const document = parseDocument(source, { xmlMode: true, decodeEntities: true });
  return convert(document.children);
}

function convert(nodes: ChildNode[]): TNode[] {
  const out: TNode[] = [];
  for (const node of nodes) {
    if (node.type === 'text') out.push({ type: 'text', text: node.data });
    else if (node.type === 'tag' || node.type === 'script' || node.type === 'style') {
      out.push({
        type: 'element',
        tag: node.name,
        attrs: Object.entries(node.attribs),
        children: convert(node.children),
      });
    }
  }
  return out;
}
