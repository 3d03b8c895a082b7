import { contentHash } from "./content-hash";

/**
 * The one script on the site, served from /static/votes.<hash>.js (script-src 'self'): it asks
 * /api/me who is signed in, marks the papers they upvoted (aria-pressed), and toggles votes
 * without a reload through /api/me/upvotes/{id}. Without it, or signed out, the vote forms post
 * as usual. On a discussion it shows the Edit and Delete controls of the signed-in person's own
 * comments (data-author) and hides everyone else's (the server refuses them anyway); Edit only
 * while the comment is in its edit window (data-edit-until). And it puts the thumbnails a listing
 * writes in <noscript> in place as their cards near the screen (ui/components.tsx Thumbnail).
 * Plain ES2020, no dependencies; keep it a few KB.
 */
export const VOTES_JS = `
(() => {
  const later = [...document.querySelectorAll(".pic > noscript")];
  const show = (noscript) => {
    const template = document.createElement("template");
    template.innerHTML = noscript.textContent;
    noscript.replaceWith(template.content);
  };
  if (!later.length) return;
  if (!("IntersectionObserver" in window)) return later.forEach(show);
  const near = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      near.unobserve(entry.target);
      show(entry.target.querySelector(":scope > noscript"));
    }
  }, { rootMargin: "0px 0px 200px 0px" });
  for (const noscript of later) near.observe(noscript.parentElement);
})();
(() => {
  const widgets = (id) => [...document.querySelectorAll("form.votes")].filter((f) => !id || f.querySelector("button[data-paper]")?.dataset.paper === id);
  const authored = [...document.querySelectorAll(".comment[data-author]")];
  if (!widgets().length && !authored.length) return;
  document.documentElement.classList.add("js");
  let signedIn = false;
  const pending = new Set();
  const show = (form, voted, upvotes) => {
    form.querySelector("button[data-paper]").setAttribute("aria-pressed", String(voted));
    if (upvotes === undefined) return;
    form.querySelector(".count").textContent = String(upvotes);
    form.querySelector("small").textContent = upvotes === 1 ? "vote" : "votes";
  };
  fetch("/api/me", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((res) => (res.ok ? res.json() : null))
    .then((me) => {
      if (!me || !me.account) return;
      signedIn = true;
      const upvoted = new Set(me.upvoted);
      for (const form of widgets()) show(form, upvoted.has(form.querySelector("button[data-paper]").dataset.paper));
      for (const comment of authored) {
        const own = comment.querySelector(":scope > .comment-actions > .own");
        if (!own || comment.dataset.author !== me.account.handle) continue;
        own.classList.add("mine");
        if (!(Date.parse(comment.dataset.editUntil) > Date.now())) own.querySelector(".edit")?.remove();
      }
    })
    .catch(() => {});
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!signedIn || !(form instanceof HTMLFormElement) || !form.classList.contains("votes")) return;
    event.preventDefault();
    const button = form.querySelector("button[data-paper]");
    const id = button.dataset.paper;
    if (pending.has(id)) return;
    pending.add(id);
    const voted = button.getAttribute("aria-pressed") === "true";
    try {
      const res = await fetch("/api/me/upvotes/" + id, { method: voted ? "DELETE" : "PUT", credentials: "same-origin", headers: { Accept: "application/json" } });
      if (res.status === 401) {
        location.assign("/signin");
        return;
      }
      if (!res.ok) throw new Error(String(res.status));
      const result = await res.json();
      form.querySelector(".vote-error")?.remove();
      for (const other of widgets(id)) show(other, result.voted, result.upvotes);
    } catch {
      // Not saved: say so by the button, and leave the vote as it was (no toggle behind the person's back).
      let note = form.querySelector(".vote-error");
      if (!note) {
        note = document.createElement("small");
        note.className = "vote-error";
        note.setAttribute("role", "status");
        form.append(note);
      }
      note.textContent = "Not saved, try again";
    } finally {
      pending.delete(id);
    }
  });
})();
`.trim();

export const VOTES_JS_PATH = `/static/votes.${contentHash(VOTES_JS)}.js`;
