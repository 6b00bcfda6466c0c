/**
 * Python's `str.title()`, which the seed applies to product names. Each character is title-cased when
 * the character before it is not cased, lower-cased when it is; digits, punctuation and spaces are not
 * cased, so `"3d o'neil"` becomes `"3D O'Neil"`. Non-ASCII text follows Unicode's titlecase mappings
 * (`ǆ` → `ǅ`, `ß` → `Ss`, `ﬁ` → `Fi`) and Python's final-sigma rule.
 */

const CASED = /\p{Cased}/u;
const CASE_IGNORABLE = /\p{Case_Ignorable}/u;

/** Where Unicode's titlecase mapping differs from the uppercase one `toUpperCase` gives. */
const TITLECASE: ReadonlyMap<number, string> = buildTitlecaseTable();

function buildTitlecaseTable(): Map<number, string> {
  const table = new Map<number, string>();
  const put = (cp: number, title: string | number) =>
    table.set(cp, typeof title === 'number' ? String.fromCodePoint(title) : title);
  put(0xdf, 'Ss');
  // Latin digraphs DŽ Dž dž, LJ Lj lj, NJ Nj nj, DZ Dz dz: the middle one is the titlecase form.
  for (const [first, title] of [
    [0x1c4, 0x1c5],
    [0x1c7, 0x1c8],
    [0x1ca, 0x1cb],
    [0x1f1, 0x1f2],
  ] as const) {
    for (let cp = first; cp < first + 3; cp++) put(cp, title);
  }
  put(0x587, '\u0535\u0582');
  // Georgian Mkhedruli letters are their own titlecase (their uppercase is Mtavruli).
  for (let cp = 0x10d0; cp <= 0x10ff; cp++) if (cp !== 0x10fb && cp !== 0x10fc) put(cp, cp);
  // Greek with ypogegrammeni: the titlecase form keeps it as prosgegrammeni.
  for (const base of [0x1f80, 0x1f90, 0x1fa0]) {
    for (let i = 0; i < 16; i++) put(base + i, base + 8 + (i & 7));
  }
  for (const [cps, title] of [
    [[0x1fb3, 0x1fbc], 0x1fbc],
    [[0x1fc3, 0x1fcc], 0x1fcc],
    [[0x1ff3, 0x1ffc], 0x1ffc],
  ] as const) {
    for (const cp of cps) put(cp, title);
  }
  const multi: [number, string][] = [
    [0x1fb2, '\u1fba\u0345'],
    [0x1fb4, '\u0386\u0345'],
    [0x1fb7, '\u0391\u0342\u0345'],
    [0x1fc2, '\u1fca\u0345'],
    [0x1fc4, '\u0389\u0345'],
    [0x1fc7, '\u0397\u0342\u0345'],
    [0x1ff2, '\u1ffa\u0345'],
    [0x1ff4, '\u038f\u0345'],
    [0x1ff7, '\u03a9\u0342\u0345'],
    [0xfb00, 'Ff'],
    [0xfb01, 'Fi'],
    [0xfb02, 'Fl'],
    [0xfb03, 'Ffi'],
    [0xfb04, 'Ffl'],
    [0xfb05, 'St'],
    [0xfb06, 'St'],
    [0xfb13, '\u0544\u0576'],
    [0xfb14, '\u0544\u0565'],
    [0xfb15, '\u0544\u056b'],
    [0xfb16, '\u054e\u0576'],
    [0xfb17, '\u0544\u056d'],
  ];
  for (const [cp, title] of multi) put(cp, title);
  return table;
}

/** Python's `str.title()`. ASCII text (product names, mostly) takes a loop over char codes. */
export function pythonTitle(text: string): string {
  let out = '';
  let previousCased = false;
  let copiedUpTo = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 128) return unicodeTitle(text);
    const upper = code >= 65 && code <= 90;
    const lower = code >= 97 && code <= 122;
    if ((previousCased && upper) || (!previousCased && lower)) {
      // Flip the case (±32) and copy only what changed, so an already-titled name allocates nothing.
      out += text.slice(copiedUpTo, i) + String.fromCharCode(upper ? code + 32 : code - 32);
      copiedUpTo = i + 1;
    }
    previousCased = upper || lower;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

function unicodeTitle(text: string): string {
  const chars = Array.from(text);
  let out = '';
  let previousCased = false;
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (previousCased) out += char === '\u03a3' ? capitalSigma(chars, i) : char.toLowerCase();
    else out += TITLECASE.get(char.codePointAt(0) as number) ?? char.toUpperCase();
    previousCased = CASED.test(char);
  }
  return out;
}

/** CPython's `handle_capital_sigma`: Σ lowers to final ς after a cased letter not followed by one. */
function capitalSigma(chars: readonly string[], i: number): string {
  let j = i - 1;
  while (j >= 0 && CASE_IGNORABLE.test(chars[j] as string)) j--;
  let final = j >= 0 && CASED.test(chars[j] as string);
  if (final && i + 1 < chars.length) {
    j = i + 1;
    while (j < chars.length && CASE_IGNORABLE.test(chars[j] as string)) j++;
    final = j === chars.length || !CASED.test(chars[j] as string);
  }
  return final ? '\u03c2' : '\u03c3';
}
