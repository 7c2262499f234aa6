// A short key for a text, to find what the build made from the same text (a schema's generated
// validator, a template's compiled code): any change to the text gives another key, so a
// stale build product is never used for it. Not a security boundary: the build's own outputs
// are looked up by it, nothing a user supplies is trusted because of it.

/** The text's length and two 32-bit FNV-1a hashes of it (different seeds), in hex. */
export function contentKey(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
  return `${text.length}:${hex(a)}${hex(b)}`;
}
