import { z } from "zod";
import { FREQUENCIES } from "../db/schema";
import { arxivCategory } from "../papers/records";

export const Frequency = z.enum(FREQUENCIES);
export type Frequency = z.infer<typeof Frequency>;

/** Filters a subscriber chooses; shared by the forms and the digest query. */
export const Filters = z.object({
  categories: z.array(arxivCategory).max(20),
  keywords: z.array(z.string().trim().min(2).max(60)).max(20),
});
export type Filters = z.infer<typeof Filters>;

/** "cs.LG, cs.CL" or one per line, from a form field. */
export const listField = (text: string | undefined) =>
  (text ?? "")
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
