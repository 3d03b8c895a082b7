import { z } from "zod";

/** Addresses are compared and stored trimmed and lower-cased. */
export const EmailAddress = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: "enter a valid email address" }))
  .transform((s) => s.toLowerCase());

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The only trace an erased or suppressed address leaves. */
export const hashAddress = (email: string) => sha256Hex(`paperboy-suppression:${email.trim().toLowerCase()}`);
