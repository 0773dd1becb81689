/**
 * Line protocol's escapes, as the official client's `escape` writes them (a test holds the two
 * equal over generated strings): the client is a 30 ms load that a run writing a file of line
 * protocol would pay for these three functions alone.
 *
 * - a measurement: `,` and space escaped with a backslash; a line break, carriage return or tab
 *   written as `\n`, `\r`, `\t`;
 * - a tag key or value, or a field name: the same, and `=`;
 * - a string field value: in double quotes, with `"` and `\` escaped.
 */
export const escapeLineProtocol = {
  measurement: (text: string): string => escapeChars(text, MEASUREMENT),
  tag: (text: string): string => escapeChars(text, TAG),
  quoted: (text: string): string => `"${escapeChars(text, QUOTED)}"`,
};

/** By char code, what it is written as; undefined: as it is. */
type Escapes = readonly (string | undefined)[];

function escapes(pairs: Record<string, string>): Escapes {
  const table: (string | undefined)[] = [];
  for (const [char, escaped] of Object.entries(pairs)) table[char.charCodeAt(0)] = escaped;
  return table;
}

const MEASUREMENT = escapes({ ',': '\\,', ' ': '\\ ', '\n': '\\n', '\r': '\\r', '\t': '\\t' });
const TAG = escapes({ ',': '\\,', ' ': '\\ ', '=': '\\=', '\n': '\\n', '\r': '\\r', '\t': '\\t' });
const QUOTED = escapes({ '"': '\\"', '\\': '\\\\' });

function escapeChars(text: string, table: Escapes): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const escaped = code < table.length ? table[code] : undefined;
    if (escaped === undefined) continue;
    out += text.slice(from, i) + escaped;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
