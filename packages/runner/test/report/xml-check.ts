/**
 * A small well-formedness check for the SVG the report writes, since Node
 * has no XML parser: tags balance and nest, attributes are quoted, there is
 * one root element, and text holds no bare `<` or stray `&`.
 */
export function xmlProblems(document: string): string[] {
  const problems: string[] = [];
  const body = document.replace(/^<\?xml[^?]*\?>\s*/, '');
  const open: string[] = [];
  let roots = 0;
  const strayAmpersand = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const tag = /^<(\/?)([A-Za-z][\w.:-]*)((?:\s+[\w.:-]+="[^"<]*")*)\s*(\/?)>$/;

  for (const token of body.match(/<[^<>]*>|[^<>]+|[<>]/g) ?? []) {
    if (!token.startsWith('<') || token === '<') {
      if (token === '<' || token === '>') problems.push(`bare ${token}`);
      else if (strayAmpersand.test(token)) problems.push(`stray & in text ${token}`);
      continue;
    }

    const parts = tag.exec(token);
    if (parts === null) {
      problems.push(`malformed tag ${token}`);
      continue;
    }
    const [, closing, name = '', attributes = '', selfClosing] = parts;
    if (strayAmpersand.test(attributes)) problems.push(`stray & in ${token}`);
    if (closing === '/') {
      const expected = open.pop();
      if (expected !== name) problems.push(`</${name}> closes <${expected ?? 'nothing'}>`);
    } else {
      if (open.length === 0) roots += 1;
      if (selfClosing !== '/') open.push(name);
    }
  }

  if (open.length > 0) problems.push(`unclosed ${open.join(', ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
