export interface Env {
  DB: D1Database;
  SITE_URL: string;
  MAIL_FROM: string;
  RESEND_BASE_URL: string;
  RESEND_API_KEY?: string;
}
