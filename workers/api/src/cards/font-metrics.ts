/**
 * What a card needs of a TrueType font: which characters it draws and how wide each is. Read from
 * the font's own tables (head, hhea, hmtx, cmap formats 4 and 12), so that titles wrap by their
 * real widths and a character the font lacks is known before the renderer meets it.
 */
export interface FontMetrics {
  /** The character's advance in ems, or null when the font has no glyph for it. */
  advance(codePoint: number): number | null;
}

export function readFont(bytes: ArrayBuffer): FontMetrics {
  const view = new DataView(bytes);
  const tables = new Map<string, number>();
  const count = view.getUint16(4);
  for (let i = 0; i < count; i++) {
    const at = 12 + 16 * i;
    const tag = String.fromCharCode(...new Uint8Array(bytes, at, 4));
    tables.set(tag, view.getUint32(at + 8));
  }
  const table = (tag: string) => {
    const at = tables.get(tag);
    if (at === undefined) throw new Error(`the font has no ${tag} table`);
    return at;
  };
  const unitsPerEm = view.getUint16(table("head") + 18);
  const metricsCount = view.getUint16(table("hhea") + 34);
  const hmtx = table("hmtx");
  const advanceOf = (glyph: number) => view.getUint16(hmtx + 4 * Math.min(glyph, metricsCount - 1)) / unitsPerEm;
  const glyphOf = cmapLookup(view, table("cmap"));
  const cache = new Map<number, number | null>();
  return {
    advance(codePoint) {
      let width = cache.get(codePoint);
      if (width === undefined) {
        const glyph = glyphOf(codePoint);
        width = glyph ? advanceOf(glyph) : null;
        cache.set(codePoint, width);
      }
      return width;
    },
  };
}

/** The glyph of a code point (0: none), from the cmap's Unicode subtable: format 12 if there is one, else format 4. */
function cmapLookup(view: DataView, cmap: number): (codePoint: number) => number {
  const subtables: { format: number; at: number }[] = [];
  for (let i = 0; i < view.getUint16(cmap + 2); i++) {
    const record = cmap + 4 + 8 * i;
    const [platform, encoding] = [view.getUint16(record), view.getUint16(record + 2)];
    const at = cmap + view.getUint32(record + 4);
    if (platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10))) {
      subtables.push({ format: view.getUint16(at), at });
    }
  }
  const full = subtables.find((s) => s.format === 12);
  if (full) {
    const groups = view.getUint32(full.at + 12);
    return (cp) => {
      let [lo, hi] = [0, groups - 1];
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const g = full.at + 16 + 12 * mid;
        if (cp < view.getUint32(g)) hi = mid - 1;
        else if (cp > view.getUint32(g + 4)) lo = mid + 1;
        else return view.getUint32(g + 8) + cp - view.getUint32(g);
      }
      return 0;
    };
  }
  const bmp = subtables.find((s) => s.format === 4);
  if (!bmp) throw new Error("the font has no Unicode cmap of format 4 or 12");
  const segments = view.getUint16(bmp.at + 6) / 2;
  const ends = bmp.at + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;
  return (cp) => {
    if (cp > 0xffff) return 0;
    for (let i = 0; i < segments; i++) {
      if (cp > view.getUint16(ends + 2 * i)) continue;
      const start = view.getUint16(starts + 2 * i);
      if (cp < start) return 0;
      const delta = view.getInt16(deltas + 2 * i);
      const rangeOffset = view.getUint16(rangeOffsets + 2 * i);
      if (!rangeOffset) return (cp + delta) & 0xffff;
      const glyph = view.getUint16(rangeOffsets + 2 * i + rangeOffset + 2 * (cp - start));
      return glyph ? (glyph + delta) & 0xffff : 0;
    }
    return 0;
  };
}
