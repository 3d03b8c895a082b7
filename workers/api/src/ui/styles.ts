import { contentHash } from "./content-hash";

/**
 * The whole stylesheet, served from /static/site.<hash>.css with a year-long immutable cache: the
 * hash changes whenever the text does. Dark mode follows prefers-color-scheme. Keep it under 10 KB.
 */
export const SITE_CSS = `
:root{--bg:#fff;--fg:#1a1d23;--muted:#4b5260;--line:#e3e6ea;--card:#f8f9fb;--accent:#0b57d0;--accent-fg:#fff;--mark:#fff3a3;--chip:#eef1f5;--focus:#f59e0b}
@media (prefers-color-scheme:dark){:root{--bg:#0f1115;--fg:#e8eaed;--muted:#aab1bc;--line:#2a2f38;--card:#171a21;--accent:#8ab4f8;--accent-fg:#0f1115;--mark:#5c4b00;--chip:#232833}}
*{box-sizing:border-box}
html{color-scheme:light dark;-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:var(--accent)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--accent);color:var(--accent-fg);padding:.5rem 1rem;z-index:2}
.skip:focus{left:0}
.wrap{max-width:72rem;margin:0 auto;padding:0 1rem}
header.site{border-bottom:1px solid var(--line)}
header.site .wrap{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.25rem;padding-top:.75rem;padding-bottom:.75rem}
.brand{font-weight:700;font-size:1.2rem;color:var(--fg);text-decoration:none}
nav.main ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
nav.main a{text-decoration:none;font-weight:500}
nav.main a[aria-current=page]{text-decoration:underline;text-underline-offset:.3em}
form.search{display:flex;gap:.4rem;margin-left:auto;flex:1 1 16rem;max-width:28rem}
form.search input{flex:1;min-width:0}
input,select,button{font:inherit;color:inherit}
input[type=search],input[type=email],input[type=text],select{background:var(--bg);border:1px solid var(--muted);border-radius:.4rem;padding:.35rem .6rem}
button{background:var(--accent);color:var(--accent-fg);border:0;border-radius:.4rem;padding:.35rem .9rem;font-weight:600;cursor:pointer}
main{padding:1.25rem 0 2.5rem}
h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0 .75rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.lede{color:var(--muted);margin:0 0 1rem}
.subscribe-form.compact{display:flex;flex-wrap:wrap;align-items:center;gap:.35rem .75rem;background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:.6rem .9rem;margin:0 0 1rem}
.subscribe-form.compact p{margin:0}.subscribe-form.compact small{flex-basis:100%;color:var(--muted)}
.bar{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem 1rem;margin:0 0 1rem}
.pager{display:flex;gap:.75rem;flex-wrap:wrap}
.pager a,.pager span{padding:.3rem .7rem;border:1px solid var(--line);border-radius:.4rem;text-decoration:none}
.pager span{color:var(--muted)}
.sort{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap;color:var(--muted)}
.sort a[aria-current=true]{font-weight:700;color:var(--fg)}
.notice{background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:.6rem .9rem;margin:0 0 1rem}
ol.cards{list-style:none;padding:0;margin:0;display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,32rem),1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:.9rem 1rem;display:flex;gap:.9rem}
.votes{flex:0 0 3.2rem;text-align:center;border:1px solid var(--line);border-radius:.5rem;align-self:flex-start;padding:.3rem 0;background:var(--bg);margin:0}
.votes b{display:block;font-size:1.1rem}
.votes small{color:var(--muted);font-size:.75rem}
.votes button{font:inherit;font-size:.95rem;line-height:1;background:var(--bg);color:var(--fg);border:1px solid var(--muted);border-radius:.35rem;padding:.25rem .55rem;cursor:pointer}
.votes button:hover{border-color:var(--accent)}
.votes button[aria-pressed=true]{background:var(--accent);color:var(--accent-fg);border-color:var(--accent)}
.paper .votes{display:inline-flex;align-items:center;gap:.4rem;padding:.3rem .6rem;flex:none;margin:0 0 .6rem}
.paper .votes b{display:inline}
.card .body{min-width:0;flex:1}
.pic img,.paper>img{height:auto;aspect-ratio:40/21;object-fit:cover;border:1px solid var(--line);border-radius:.4rem;background:var(--chip)}
.pic{position:relative;padding-right:9.4rem}
.pic img{position:absolute;top:.9rem;right:1rem;width:7.5rem}
.paper>img{display:block;width:100%;max-width:30rem;margin:0 0 1rem}
.card h2,.card h3{font-size:1.05rem;margin:0 0 .25rem;line-height:1.35}
.card h2 a,.card h3 a{color:var(--fg);text-decoration:none}
.card h2 a:hover,.card h3 a:hover{text-decoration:underline}
.meta{color:var(--muted);font-size:.875rem;margin:.15rem 0}
.excerpt{margin:.4rem 0 0;font-size:.925rem;overflow-wrap:anywhere}
.chips{display:flex;flex-wrap:wrap;gap:.3rem;list-style:none;padding:0;margin:.4rem 0 0}
.chips li{background:var(--chip);border-radius:1rem;padding:0 .55rem;font-size:.8rem}
.why{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.5rem;margin:.5rem 0 0;font-size:.875rem}
.why ul{margin:0;padding-left:1.1rem}
.why form,form.inline{display:inline;margin:0}
button.quiet{background:var(--bg);color:var(--fg);border:1px solid var(--muted);font-weight:400;font-size:.85rem;padding:.2rem .6rem}
ul.follows li{margin:.2rem 0}
code{overflow-wrap:anywhere}
mark{background:var(--mark);color:inherit;padding:0 .1em;border-radius:.15em}
article.paper{max-width:50rem}
article.paper .abstract{font-size:1.02rem;overflow-wrap:anywhere}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:1rem 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.links{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
.links a{border:1px solid var(--line);border-radius:.4rem;padding:.3rem .8rem;text-decoration:none}
footer.site{border-top:1px solid var(--line);color:var(--muted);font-size:.875rem;padding:1rem 0 2rem}
footer.site a{color:inherit}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em}
pre{background:var(--card);border:1px solid var(--line);border-radius:.4rem;padding:.6rem;overflow-x:auto}
table.admin{border-collapse:collapse;display:block;overflow-x:auto;font-size:.875rem;margin:.5rem 0 1.5rem}
table.admin th,table.admin td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
table.admin code{word-break:break-all}
.discussion{max-width:50rem}
ol.comments,ol.replies{list-style:none;padding:0;margin:0}
.comment{border-top:1px solid var(--line);padding:.6rem 0}
ol.replies{margin:.4rem 0 0 1rem;border-left:2px solid var(--line);padding-left:.9rem}
.replies .comment{border-top:0;padding:.3rem 0}
.comment-meta{color:var(--muted);font-size:.875rem;margin:0}
.comment-body{overflow-wrap:anywhere}.comment-body p{margin:.35rem 0}
.gone{color:var(--muted);font-style:italic}
.comment-actions,.own{display:flex;flex-wrap:wrap;gap:.4rem .9rem;align-items:baseline;font-size:.875rem}
.comment-actions form{margin:.3rem 0}
summary{cursor:pointer;color:var(--accent)}
.comment-form{display:grid;gap:.35rem;margin:.75rem 0}
.comment-form small{color:var(--muted)}
.comment-form button{justify-self:start}
textarea{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--muted);border-radius:.4rem;padding:.4rem .6rem;width:100%}
textarea:focus-visible,summary:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.js .own{display:none}.js .own.mine{display:flex}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){h1{font-size:1.35rem}.card{padding:.75rem;gap:.6rem}.votes{flex-basis:2.8rem}.pic{padding-right:5.85rem}.pic img{top:.75rem;right:.75rem;width:4.5rem}form.search{max-width:none}}
`.trim();

/** FNV-1a, synchronous so that the path is known at module load. */
export const CSS_HASH = contentHash(SITE_CSS);
export const CSS_PATH = `/static/site.${CSS_HASH}.css`;
