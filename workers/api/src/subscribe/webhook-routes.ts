import { Hono } from "hono";
import { createDb } from "#shared/db/client";
import { EmailAddress } from "#shared/mail/address";
import { suppress } from "#shared/mail/subscribers";
import { type AppEnv, readConfig } from "../env";
import { ApiError, badRequest, validate } from "../errors";
import { ResendEvent, verifyWebhook } from "./webhook";

/** Resend's bounce and complaint webhooks: the signature (on the raw body) is what authorises them. */
export const webhookRoutes = new Hono<AppEnv>();

webhookRoutes.post("/resend", async (c) => {
  const raw = await c.req.text();
  const secretKey = readConfig(c.env).RESEND_WEBHOOK_SECRET;
  if (!secretKey || !(await verifyWebhook(secretKey, c.req.raw.headers, raw)))
    throw new ApiError(401, "invalid_signature", "the webhook signature is missing or wrong");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw badRequest("invalid_payload", "the body is not JSON");
  }
  const { type, data } = validate(ResendEvent, json, "invalid_payload");
  const permanentBounce = type === "email.bounced" && data.bounce?.type?.toLowerCase() !== "transient";
  if (!permanentBounce && type !== "email.complained") return c.json({ received: true, action: "ignored" });
  const addresses = (Array.isArray(data.to) ? data.to : data.to ? [data.to] : [])
    .map((a) => EmailAddress.safeParse(a))
    .flatMap((a) => (a.success ? [a.data] : []));
  await suppress(
    createDb(c.env.DB),
    readConfig(c.env).suppression,
    addresses,
    type === "email.complained" ? "complained" : "bounced",
  );
  return c.json({ received: true, action: "suppressed", count: addresses.length });
});
