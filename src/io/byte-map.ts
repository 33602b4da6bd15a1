// GPT-2's byte ↔ printable-character map, apart from the tokenizer files (which need a platform's
// file reads) so the engine's constraint compiler can use it in any platform.
/** GPT-2's reversible byte → printable character map, which byte-level BPE vocabularies are written in. */
export function byteToUnicode(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(printable(b) ? b : 256 + extra++));
  return out;
}
