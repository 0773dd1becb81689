/**
 * `scheme://user:password@` in any part of `text` (a flag's value, `--flag=value`, a message)
 * with the password replaced by `***`. The authority ends at the first `/`, `?` or `#`, and its
 * user info at its last `@` (as URL parsers read it), so a password holding a raw `@` is
 * redacted whole.
 */
export function redactUrlPasswords(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/?#\s@:]*:)[^/?#\s]*@/gi, '$1***@');
}
