// fmkit search page: a corpus selector, a query box, results with
// highlighted terms, documents, passage-to-parent navigation, pagination
// and flags. It talks to this server's /api only; state lives in the URL
// hash so that back and forward work.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { corpora: [], hits: [], selected: -1, view: "results", doc: null };
const PAGE = 10;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

// parts renders text pieces: matches as <mark>, redactions as tags. Text
// is only ever set as text, never parsed as HTML.
function parts(list) {
  const f = document.createDocumentFragment();
  for (const p of list || []) {
    if (p.pii) f.append(el("span", { class: "pii", title: "redacted personal data" }, p.text));
    else if (p.match) f.append(el("mark", {}, p.text));
    else f.append(p.text);
  }
  return f;
}

function params() {
  return new URLSearchParams(location.hash.slice(1));
}

function go(p) {
  const h = "#" + new URLSearchParams(p).toString();
  if (location.hash !== h) location.hash = h;
  else route();
}

async function api(path, opts) {
  const r = await fetch(path, opts);
  const body = await r.json().catch(() => ({ error: r.statusText }));
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function status(text, error) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", !!error);
}

function corpusKind(name) {
  const c = state.corpora.find((c) => c.name === name);
  return c ? c.kind : "bm25";
}

function flaggedKey(corpus, id) { return "fmkit-flag:" + corpus + ":" + id; }

async function flag(corpus, id, query, button) {
  const reason = prompt("Why flag this result? (optional)");
  if (reason === null) return;
  try {
    await api("/api/flag", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ corpus, id, query, reason }) });
    localStorage.setItem(flaggedKey(corpus, id), "1");
    if (button) { button.textContent = "Flagged"; button.classList.add("flagged"); }
    status("Flagged " + id + ".");
  } catch (e) {
    status(e.message, true);
  }
}

function flagButton(corpus, id, query) {
  const done = localStorage.getItem(flaggedKey(corpus, id));
  const b = el("button", { type: "button", class: done ? "flagged flag" : "flag", "aria-label": "Flag " + id }, done ? "Flagged" : "Flag");
  b.addEventListener("click", () => flag(corpus, id, query, b));
  return b;
}

function metaList(meta) {
  const ul = el("ul", { class: "meta" });
  for (const [k, v] of Object.entries(meta || {})) ul.append(el("li", {}, k + ": " + v));
  return ul;
}

function showView(view) {
  state.view = view;
  $("results").hidden = view !== "results";
  $("pages").hidden = view !== "results" || $("pages").dataset.empty === "1";
  $("doc").hidden = view !== "doc";
}

async function runSearch(p) {
  const corpus = p.get("corpus"), q = p.get("q"), offset = +(p.get("offset") || 0);
  status("Searching…");
  const r = await api("/api/search?" + new URLSearchParams({ corpus, q, k: PAGE, offset }));
  const ol = $("results");
  ol.replaceChildren();
  state.hits = r.hits;
  state.selected = -1;
  r.hits.forEach((h, i) => {
    const link = el("a", { href: "#" + new URLSearchParams({ corpus, q, offset, doc: h.id }) }, h.id);
    const li = el("li", { "data-index": i },
      el("div", { class: "hit-head" }, el("span", { class: "rank" }, h.rank + "."), link,
        el("span", { class: "score" }, "score " + h.score.toFixed(4))),
      el("p", { class: "snippet" }, parts(h.snippet)),
      metaList(h.meta),
      el("div", { class: "actions" }, flagButton(corpus, h.id, q)));
    ol.append(li);
  });
  const total = r.total_exact ? r.total : r.total + "+";
  const last = offset + r.hits.length;
  status(r.hits.length ? `${total} results (${r.took_ms.toFixed(1)} ms)` : "No results.");
  $("range").textContent = r.hits.length ? `${offset + 1}–${last} of ${total}` : "";
  $("prev").disabled = offset === 0;
  $("next").disabled = last >= r.total && r.total_exact || r.hits.length < PAGE;
  $("pages").dataset.empty = r.hits.length ? "0" : "1";
  showView("results");
}

async function runCount(p) {
  const corpus = p.get("corpus"), q = p.get("q");
  status("Counting…");
  const r = await api("/api/count?" + new URLSearchParams({ corpus, q, docs: PAGE, next: 10 }));
  const ol = $("results");
  ol.replaceChildren();
  state.hits = [];
  state.selected = -1;
  const head = el("li", {}, el("div", { class: "count" }, r.count.toLocaleString() + (r.count === 1 ? " occurrence" : " occurrences")),
    el("p", { class: "score" }, r.tokens.length + " tokens: [" + r.tokens.join(", ") + "]"));
  if (r.longest && r.count === 0) {
    head.append(el("p", {}, `Longest suffix that occurs: the last ${r.longest.length} tokens (${r.longest.count} times).`));
  }
  if (r.next && r.next.length) {
    const t = el("table", { class: "next-table" }, el("caption", {}, "Next token"));
    for (const n of r.next) t.append(el("tr", {}, el("td", {}, JSON.stringify(n.text)), el("td", {}, String(n.count)),
      el("td", {}, (100 * n.count / r.count).toFixed(1) + "%")));
    head.append(t);
  }
  ol.append(head);
  for (const d of r.docs || []) {
    ol.append(el("li", {}, el("div", { class: "hit-head" }, el("strong", {}, d.id), el("span", { class: "score" }, "token " + d.offset)),
      el("p", { class: "snippet" }, parts(d.context)), el("div", { class: "actions" }, flagButton(corpus, d.id, q))));
  }
  status(`${r.took_ms.toFixed(2)} ms`);
  $("pages").dataset.empty = "1";
  showView("results");
}

async function openDoc(p) {
  const corpus = p.get("corpus"), id = p.get("doc"), q = p.get("q") || "";
  const whole = p.get("parent") === "1";
  status("Loading…");
  const r = await api("/api/doc?" + new URLSearchParams(whole ? { corpus, id, q, parent: "1" } : { corpus, id, q }));
  const text = $("doc-text");
  text.replaceChildren();
  $("doc-meta").replaceChildren();
  if (whole) {
    $("doc-id").textContent = r.parent;
    for (const ps of r.passages) {
      const sec = el("section", { class: ps.current ? "current" : "", "aria-current": ps.current ? "true" : "false" }, parts(ps.contents));
      text.append(sec);
    }
    $("parent").hidden = true;
  } else {
    $("doc-id").textContent = r.id;
    for (const [k, v] of Object.entries(r.meta || {})) $("doc-meta").append(el("div", {}, el("dt", {}, k), el("dd", {}, k + ": " + v)));
    text.append(parts(r.contents));
    $("parent").hidden = !r.parent;
  }
  state.doc = { corpus, id, q };
  const fb = $("flag-doc");
  const done = localStorage.getItem(flaggedKey(corpus, id));
  fb.textContent = done ? "Flagged" : "Flag";
  fb.classList.toggle("flagged", !!done);
  status("");
  showView("doc");
  $("doc").focus();
}

async function route() {
  const p = params();
  const corpus = p.get("corpus");
  if (corpus && state.corpora.some((c) => c.name === corpus)) $("corpus").value = corpus;
  syncSyntax();
  if (!p.get("q") && !p.get("doc")) { showView("results"); return; }
  $("q").value = p.get("q") || "";
  try {
    if (p.get("doc")) await openDoc(p);
    else if (corpusKind(p.get("corpus")) === "ngram") await runCount(p);
    else await runSearch(p);
  } catch (e) {
    status(e.message, true);
  }
}

function syncSyntax() {
  const ngram = corpusKind($("corpus").value) === "ngram";
  $("syntax-bm25").hidden = ngram;
  $("syntax-ngram").hidden = !ngram;
  $("q").placeholder = ngram ? "Count an n-gram (press / to focus)" : "Search (press / to focus)";
}

function select(i) {
  const items = $("results").querySelectorAll("li[data-index]");
  if (!items.length) return;
  state.selected = Math.max(0, Math.min(items.length - 1, i));
  items.forEach((li, j) => li.classList.toggle("selected", j === state.selected));
  const li = items[state.selected];
  li.scrollIntoView({ block: "nearest" });
  li.querySelector("a").focus();
}

function page(delta) {
  const p = params();
  const offset = Math.max(0, +(p.get("offset") || 0) + delta * PAGE);
  p.set("offset", offset);
  p.delete("doc");
  p.delete("parent");
  go(p);
}

function keys(e) {
  const typing = ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName);
  if (e.key === "/" && !typing) { e.preventDefault(); $("q").focus(); $("q").select(); return; }
  if (e.key === "Escape") {
    if (typing) { document.activeElement.blur(); return; }
    if (state.view === "doc") history.back();
    return;
  }
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  if (state.view === "results") {
    if (e.key === "j") select(state.selected + 1);
    else if (e.key === "k") select(state.selected - 1);
    else if (e.key === "n" && !$("next").disabled) page(1);
    else if (e.key === "p" && !$("prev").disabled) page(-1);
    else if (e.key === "f" && state.selected >= 0) {
      $("results").querySelectorAll("li[data-index]")[state.selected].querySelector("button.flag").click();
    }
  } else if (state.view === "doc" && e.key === "f") {
    $("flag-doc").click();
  }
}

async function main() {
  try {
    const r = await api("/api/corpora");
    state.corpora = r.corpora;
    for (const c of r.corpora) {
      const label = `${c.name} (${c.kind === "ngram" ? "n-grams, " + c.tokens.toLocaleString() + " tokens" : c.docs.toLocaleString() + " documents"})`;
      $("corpus").append(el("option", { value: c.name }, label));
    }
    $("redaction").textContent = r.redact ? "Personal data is redacted (PI: tags)." : "Personal data is shown as stored.";
  } catch (e) {
    status(e.message, true);
    return;
  }
  $("search").addEventListener("submit", (e) => {
    e.preventDefault();
    go({ corpus: $("corpus").value, q: $("q").value, offset: 0 });
  });
  $("corpus").addEventListener("change", syncSyntax);
  $("prev").addEventListener("click", () => page(-1));
  $("next").addEventListener("click", () => page(1));
  $("back").addEventListener("click", () => history.back());
  $("parent").addEventListener("click", () => { const p = params(); p.set("parent", "1"); go(p); });
  $("flag-doc").addEventListener("click", () => state.doc && flag(state.doc.corpus, state.doc.id, state.doc.q, $("flag-doc")));
  document.addEventListener("keydown", keys);
  window.addEventListener("hashchange", route);
  route();
}

main();
