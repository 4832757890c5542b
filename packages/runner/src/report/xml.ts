/**
 * Makes text safe inside an XML element or a double-quoted attribute: a title
 * such as "loss < 0.5 & falling" must not end the element or start an entity.
 */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}
