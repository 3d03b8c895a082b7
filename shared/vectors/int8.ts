/**
 * Vectors as int8, each with one scale: a quarter of float32's bytes, cosine within about 0.001.
 * Stored as base64 text (D1 answers a BLOB as an array of numbers). No imports: the Node scripts
 * read the stored vectors with it too.
 */

/** A vector as int8 (each component scaled so that the largest is ±127) in base64, with its scale. */
export function quantise(v: ArrayLike<number>): { scale: number; data: string } {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]!));
  const scale = max / 127 || 1;
  let bytes = "";
  for (let i = 0; i < v.length; i++) bytes += String.fromCharCode(Math.round(v[i]! / scale) & 255);
  return { scale, data: btoa(bytes) };
}

export function dequantise(data: string, scale: number): Float32Array {
  const bytes = int8Of(data);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i]! * scale;
  return out;
}

/** Each base64 character's six bits, by its code. */
const SIXES = new Uint8Array(128);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"].entries())
  SIXES[c.charCodeAt(0)] = i;

/**
 * The bytes of base64 `data`, decoded in one pass into the array (atob makes a string of them
 * first, read again a character at a time): the local index's vectors, codes and centroids.
 */
export function bytesOf(data: string): Uint8Array {
  let end = data.length;
  while (end > 0 && data.charCodeAt(end - 1) === 61) end--; // "=" pads
  const out = new Uint8Array((end * 3) >> 2);
  let bits = 0;
  let held = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    bits = (bits << 6) | SIXES[data.charCodeAt(i)]!;
    held += 6;
    if (held >= 8) {
      held -= 8;
      out[o++] = bits >> held; // stored as its low 8 bits
      bits &= (1 << held) - 1;
    }
  }
  return out;
}

/** The bytes of base64 `data` as int8: a stored vector's components. */
export const int8Of = (data: string) => new Int8Array(bytesOf(data).buffer);

/**
 * The dot product of a stored vector (base64 int8, as quantise makes it) with `x`, its scale left
 * out, read straight from the base64: no bytes decoded into an array first (a paper page scores its
 * cluster's ~600 vectors; decoding them cost more than the products).
 */
export function dotInt8(data: string, x: ArrayLike<number>): number {
  let sum = 0;
  let o = 0;
  for (let i = 0; o < x.length && i + 3 < data.length; i += 4) {
    // four characters, three bytes (the last group's "=" pads read as 0 and stop at x's end)
    const bits =
      (SIXES[data.charCodeAt(i)]! << 18) |
      (SIXES[data.charCodeAt(i + 1)]! << 12) |
      (SIXES[data.charCodeAt(i + 2)]! << 6) |
      SIXES[data.charCodeAt(i + 3)]!;
    sum += ((bits << 8) >> 24) * x[o++]!;
    if (o < x.length) sum += ((bits << 16) >> 24) * x[o++]!;
    if (o < x.length) sum += ((bits << 24) >> 24) * x[o++]!;
  }
  return sum;
}
