// Building HTML safely: text escaped for markup, data embedded as JSON a script reads.

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element's content or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON for a <script type="application/json"> element. <, > and & become \u escapes, so
 * no value (a label config with "</script>" or "<!--" in it, an instruction) can end the
 * element or open a comment; U+2028 and U+2029 too, which some parsers take for line ends.
 * JSON.parse gives back exactly the value. (0.8 pasted the config into a JavaScript
 * template literal, and a backtick in it broke the page.)
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
