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
  const bytes = atob(data);
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes.charCodeAt(i);
    out[i] = (b > 127 ? b - 256 : b) * scale;
  }
  return out;
}
