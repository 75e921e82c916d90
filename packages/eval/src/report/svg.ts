// The one SVG writer of the project (no plotting dependency): the document frame and XML escaping that
// every chart uses (report plots, the analyses' bar charts, the demo's line charts). Text and attribute
// values from users (run names, tokens, labels) always go through `escapeXml`.

/** Escapes the five XML special characters, so text is safe both as element content and inside "…" or '…' attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * A standalone SVG document `width` × `height` pixels on a white background, `body` being its elements
 * in drawing order; `fontSize` sets the default text size (px) of the whole document.
 */
export function svgDocument(width: number, height: number, body: readonly string[], fontSize?: number): string {
  const font = fontSize === undefined ? '' : ` font-size="${fontSize}"`;
  return `${[
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif"${font}>`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...body,
    '</svg>',
  ].join('\n')}\n`;
}
