/**
 * JSON text in which `<`, `>` and `&` are written as `\u003c`, `\u003e` and `\u0026`: the same
 * value to a JSON parser, but a refused event's text quoted in an answer can never become
 * markup, even in a client that wrongly renders the answer as HTML.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
