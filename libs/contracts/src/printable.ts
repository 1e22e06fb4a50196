const CONTROL = /[\u0000-\u001f\u007f]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text from a partner made safe to store, log and send back: control characters (NUL above all,
 * which PostgreSQL refuses in text) written out as `\uXXXX`, lone surrogates as U+FFFD. Used for
 * what a refusal quotes of a record (key, kid, alg), so a hostile record cannot make its own
 * quarantine row, audit entry or rejection receipt unstorable.
 */
export function printable(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
