import { z } from "zod";
import { hex, hmacKey, hmacSign } from "../crypto";

/** Addresses are compared and stored trimmed and lower-cased. */
export const EmailAddress = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ message: "enter a valid email address" }))
  .transform((s) => s.toLowerCase());

/**
 * The only trace an erased or suppressed address leaves: HMAC-SHA-256 of the normalised address
 * under SUPPRESSION_SECRET. Without the secret, a dump cannot be checked against a guessed address.
 */
export async function suppressionHash(secret: string, email: string): Promise<string> {
  return (await suppressionHasher([secret]))(email).then(([hash]) => hash!);
}

/** Hashes addresses under each of `secrets`, importing each key once (the mailer hashes a batch). */
export async function suppressionHasher(secrets: readonly string[]): Promise<(email: string) => Promise<string[]>> {
  const keys = await Promise.all(secrets.map(hmacKey));
  return (email) => Promise.all(keys.map(async (key) => hex(await hmacSign(key, email.trim().toLowerCase()))));
}

/** Writes use the current secret; look-ups match rows written under any secret still configured. */
export interface SuppressionSecrets {
  current: string;
  previous: string[];
}

export const suppressionHashesOf = async (secrets: SuppressionSecrets, email: string) =>
  (await suppressionHasher([secrets.current, ...secrets.previous]))(email);

/**
 * SUPPRESSION_SECRET (16+ characters) and, during a rotation, SUPPRESSION_SECRET_PREVIOUS (the
 * earlier secrets, comma-separated): see docs/reliability.md.
 */
export const SuppressionConfig = z
  .object({
    SUPPRESSION_SECRET: z.string().min(16, "SUPPRESSION_SECRET must be at least 16 characters"),
    SUPPRESSION_SECRET_PREVIOUS: z.string().optional(),
  })
  .transform(
    (c): SuppressionSecrets => ({
      current: c.SUPPRESSION_SECRET,
      previous: (c.SUPPRESSION_SECRET_PREVIOUS ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    }),
  );
