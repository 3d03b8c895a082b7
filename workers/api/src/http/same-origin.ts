import { csrf } from "hono/csrf";

/**
 * Forms are CSRF-safe by Origin / Sec-Fetch-Site: a cross-site form post is a 403. (The one-click
 * unsubscribe POST comes from mail providers and goes without it: its signed token authorises it.)
 */
export const sameOrigin = csrf();
