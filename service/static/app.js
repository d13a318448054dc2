// The staff chat page. Every piece of text from a question, an answer or a document goes into
// the page as a text node (textContent / append of strings), never as HTML: the material and the
// questions are not ours to trust. The Content-Security-Policy forbids inline script as a second line.
"use strict";

(() => {
  const STORAGE_KEY = "inspectqa.conversation.v1";
  const TOPIC_KEY = "inspectqa.topic.v1"; // the current topic: earlier topics' turns are not sent as history
  // a conversation kept in this browser is forgotten after INSPECTQA_CHAT_HISTORY_HOURS (the page's
  // <html data-history-hours>, default 8): a shared computer must not show yesterday's questions
  const HISTORY_MS = (Number(document.documentElement.dataset.historyHours) || 8) * 3600 * 1000;
  const MAX_TURNS = 50; // keeps localStorage well inside its quota
  const MAX_HISTORY = 10; // earlier turns POST /ask accepts
  const TIMEOUT_MS = 30000;
  const ABSTAIN_MESSAGE = "The inspection material does not answer this question.";
  // what each of the service's abstention reasons means to the person asking
  const ABSTAIN_REASONS = {
    "not-relevant": "Nothing in the material is close enough to the question.",
    "no-figure": "The question asks for a figure or a date, and no passage near the top holds one about it.",
    "removed-text": "The question matches a link or advert captured with a web page, not the page itself.",
    "low-support": "The closest sentences are on the subject, but the answer model judges that they probably do not answer it.",
    "pending": "The question asks for an outcome the material says is still to come.",
  };
  // reasons whose plain sentence the service writes itself, from the question's own words ("does not mention Leeds")
  const OWN_WORDS_REASONS = new Set(["not-mentioned", "wrong-type"]);
  // below this the answer is marked: of the dev-set answers given with confidence under 0.5, fewer than half held the evidence
  const LOW_CONFIDENCE = 0.5;

  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $("ask-form"),
    question: $("question"),
    send: $("send"),
    status: $("status"),
    clear: $("clear"),
    newTopic: $("new-topic"),
    turns: $("turns"),
    emptyNote: $("empty-note"),
    announcer: $("announcer"),
    filters: $("filters"),
    filtersSummary: $("filters-summary"),
    filterDocs: $("filter-docs"),
    filterDocsEmpty: $("filter-docs-empty"),
    filterKinds: $("filter-kinds"),
    filterAuthorities: $("filter-authorities"),
    from: $("published-from"),
    to: $("published-to"),
    resetFilters: $("reset-filters"),
    layout: document.querySelector(".layout"),
    panel: $("doc-panel"),
    docTitle: $("doc-title"),
    docMeta: $("doc-meta"),
    docText: $("doc-text"),
    closeDoc: $("close-doc"),
    pdfBar: $("pdf-bar"),
    pdfPrev: $("pdf-prev"),
    pdfNext: $("pdf-next"),
    pdfPageLabel: $("pdf-page-label"),
    docPdf: $("doc-pdf"),
    viewToggle: $("doc-view-toggle"),
  };

  let turns = loadTurns();
  let topic = loadTopic();
  let busy = false;
  let signInNeeded = false;
  const documentInfo = new Map(); // doc_id -> GET /documents entry (its url among others)
  let panelOpener = null;
  let panelRequest = 0;
  const documentCache = new Map();
  const pdfCache = new Map(); // doc_id -> Promise of a pdf.js document
  let pdfModule = null; // Promise of ./pdfview.mjs, loaded on the first PDF citation opened
  // what the panel shows: {citation, doc, pdf, page, textView}; page view for a PDF citation
  let shown = null;

  // ---- small DOM helper: attributes and text only, never HTML -------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child); // strings become text nodes
    }
    return node;
  }

  // ---- storage -------------------------------------------------------------------------------
  function loadTurns() {
    try {
      const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) || "null");
      // {saved_at, turns}; anything else (an older array, a damaged value) or an expired one is dropped
      if (!stored || !Array.isArray(stored.turns) || !(Date.now() - Number(stored.saved_at) < HISTORY_MS)) {
        localStorage.removeItem(STORAGE_KEY);
        return [];
      }
      return stored.turns.filter((t) => t && typeof t.question === "string");
    } catch {
      return [];
    }
  }

  function loadTopic() {
    const stored = Number(localStorage.getItem(TOPIC_KEY));
    const last = turns.length ? Number(turns[turns.length - 1].topic) || 0 : 0;
    return Number.isFinite(stored) && stored >= last ? stored : last;
  }

  function saveTopic() {
    try {
      localStorage.setItem(TOPIC_KEY, String(topic));
    } catch {
      // as for the turns: not kept, still works
    }
  }

  // The turns of the current topic that got an answer, as POST /ask takes them: what a follow-up refers back to.
  function conversationHistory() {
    return turns
      .filter((t) => (Number(t.topic) || 0) === topic && t.response)
      .slice(-MAX_HISTORY)
      .map((t) => ({
        question: t.question,
        answer: t.response.answer,
        citations: t.response.citations.map((c) => ({ doc_id: c.doc_id, start: c.start, end: c.end })),
      }));
  }

  function saveTurns() {
    turns = turns.slice(-MAX_TURNS);
    try {
      if (turns.length === 0) localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, JSON.stringify({ saved_at: Date.now(), turns }));
    } catch {
      // storage full or switched off: the conversation still works, it just is not kept
    }
  }

  // ---- HTTP ----------------------------------------------------------------------------------
  class RequestError extends Error {}

  async function requestJSON(url, options = {}) {
    // <html data-timeout-ms> may shorten the wait (the tests use it to reach the timeout path quickly)
    const timeoutMs = Number(document.documentElement.dataset.timeoutMs) || TIMEOUT_MS;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response;
    let text;
    try {
      const headers = { Accept: "application/json" };
      if (options.body !== undefined) headers["Content-Type"] = "application/json";
      response = await fetch(url, { ...options, headers, signal: controller.signal });
      text = await response.text();
    } catch (err) {
      if (err && err.name === "AbortError") {
        throw new RequestError(`The service did not answer within ${timeoutMs / 1000} seconds. Try again in a moment.`);
      }
      throw new RequestError("Could not reach the service. Check that it is running and your network connection, then try again.");
    } finally {
      clearTimeout(timer);
    }
    let payload = null;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch {
      payload = null;
    }
    if (response.status === 401) {
      showSignIn();
      throw new RequestError(signInMessage());
    }
    if (!response.ok) {
      const error = payload && payload.error;
      if (error && typeof error.message === "string") {
        throw new RequestError(`The service could not answer (${response.status}${error.code ? " " + error.code : ""}): ${error.message}`);
      }
      throw new RequestError(`The service answered with an error (${response.status} ${response.statusText}).`);
    }
    if (payload === null) throw new RequestError("The service sent a reply this page could not read.");
    return payload;
  }

  // ---- text helpers --------------------------------------------------------------------------
  // "Sentence one. [1] Sentence two. [2]" -> [{text, n}], as the service writes answers.
  function answerPieces(answer) {
    const pieces = [];
    // a marker may be followed by punctuation: "Sources disagree on the date: July 2018 [1], June 2018 [3]."
    const marker = /([\s\S]*?)\s*\[(\d+)\](?=[\s,.;]|$)/g;
    let match;
    let last = 0;
    while ((match = marker.exec(answer)) !== null) {
      pieces.push({ text: match[1].trim(), n: Number(match[2]) });
      last = marker.lastIndex;
    }
    const rest = answer.slice(last).trim();
    if (rest) pieces.push({ text: rest, n: null });
    return pieces;
  }

  // Appends `text` (which starts at document offset `base`) to `container`, wrapping the parts
  // covered by `spans` (document offsets) in <mark class=markClass>.
  function appendMarked(container, text, base, spans, markClass) {
    const ranges = (spans || [])
      .map((s) => [Math.max(0, s.start - base), Math.min(text.length, s.end - base)])
      .filter(([a, b]) => b > a)
      .sort((x, y) => x[0] - y[0]);
    let pos = 0;
    for (const [rangeStart, end] of ranges) {
      const start = Math.max(rangeStart, pos);
      if (end <= start) continue;
      if (start > pos) container.append(text.slice(pos, start));
      container.append(el("mark", { class: markClass }, text.slice(start, end)));
      pos = end;
    }
    if (pos < text.length) container.append(text.slice(pos));
  }

  const dateText = (published) => published || "undated";

  // The page a reader turns to: where the first answer sentence starts, else where the passage
  // starts; null for formats without pages (web pages, Word, text).
  function answerPage(c) {
    const first = (c.highlights || []).find((h) => h.page);
    return first ? first.page : c.page || null;
  }

  // only http(s) addresses become links: a javascript: URL in documents.yaml must never run here
  function safeUrl(url) {
    if (typeof url !== "string") return null;
    try {
      const parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch {
      return null;
    }
  }

  function originalLink(docId) {
    const info = documentInfo.get(docId);
    const url = info && safeUrl(info.url);
    if (!url) return null;
    return el("a", {
      class: "original", href: url, target: "_blank", rel: "noopener noreferrer",
      onclick: (event) => event.stopPropagation(), // the card's own click opens the panel
    }, "Original", el("span", { class: "visually-hidden" }, " (opens in a new tab)"));
  }

  // the reply's confidence, when the service gives one: a label, or an object carrying one
  function confidenceLabel(r) {
    const c = r && r.confidence;
    // a number in [0, 1] (POST /ask): the same cut-off as the answer's own "low confidence" mark
    if (typeof c === "number") return c >= 0.8 ? "high" : c >= LOW_CONFIDENCE ? "medium" : "low";
    if (typeof c === "string" && c) return c;
    if (c && typeof c === "object" && typeof c.label === "string" && c.label) return c.label;
    return null;
  }

  // "Ofsted · inspection-letter · 2019-11-01 · Wakefield · p. 3": what a member of staff needs to find the source again
  function sourceFacts(c) {
    const facts = [];
    if (c.publisher) facts.push(el("span", { class: "publisher" }, c.publisher));
    if (c.kind) facts.push(el("span", { class: "kind" }, c.kind));
    facts.push(el("span", { class: "date" }, dateText(c.published)));
    // after who, what and when: a card is found again by its publisher and date, the council sets it apart
    if (c.authority) facts.push(el("span", { class: "authority" }, c.authority));
    const page = answerPage(c);
    if (page) facts.push(el("span", { class: "page" }, `p. ${page}`));
    const out = [];
    facts.forEach((fact, i) => out.push(...(i ? [" · ", fact] : [fact])));
    return out;
  }

  // ---- sign-in -------------------------------------------------------------------------------
  function signInMessage() {
    const contact = (document.documentElement.dataset.contact || "").trim();
    return "This service expects you to be signed in through the intranet's single sign-on, and this page was not opened through it. " +
      "Open Inspection QA from the intranet link" + (contact ? `, or ask ${contact} for access.` : ", or ask whoever runs the intranet for access.");
  }

  function showSignIn() {
    if (signInNeeded) return;
    signInNeeded = true;
    const notice = $("sign-in");
    notice.replaceChildren(el("p", { class: "sign-in-title" }, "Sign-in needed"), el("p", {}, signInMessage()));
    notice.hidden = false;
    ui.question.disabled = true;
    ui.send.disabled = true;
  }

  function describeFilters(filters) {
    if (!filters) return null;
    const parts = [];
    if (filters.doc_id && filters.doc_id.length) parts.push(`documents: ${filters.doc_id.length}`);
    if (filters.kind && filters.kind.length) parts.push(`kinds: ${filters.kind.join(", ")}`);
    if (filters.authority && filters.authority.length) parts.push(`authorities: ${filters.authority.join(", ")}`);
    if (filters.published_from) parts.push(`from ${filters.published_from}`);
    if (filters.published_to) parts.push(`to ${filters.published_to}`);
    return parts.length ? `Searched only ${parts.join("; ")}` : null;
  }

  function copyText(turn) {
    const r = turn.response;
    const lines = [`Question: ${turn.question}`, ""];
    let cited = r.citations;
    if (r.answerable) {
      lines.push(r.answer);
      const used = new Set(answerPieces(r.answer).map((p) => p.n));
      cited = r.citations.filter((c) => used.has(c.n));
      lines.push("", "References");
    } else {
      lines.push(ABSTAIN_MESSAGE);
      if (OWN_WORDS_REASONS.has(r.abstention) && r.answer) lines.push(r.answer);
      for (const item of r.related || []) lines.push(`Related, not an answer: "${item.text}" [${item.n}]`);
      if (cited.length) lines.push("", "Closest passages (not an answer)");
    }
    for (const c of cited) {
      lines.push(`[${c.n}] ${c.title} (${c.kind}, ${dateText(c.published)})`);
      lines.push(`"${c.text.trim().replace(/\s*\n\s*/g, " ")}"`, "");
    }
    return lines.join("\n").trim() + "\n";
  }

  async function writeClipboard(text) {
    if (navigator.clipboard && window.isSecureContext) {
      try {
        await navigator.clipboard.writeText(text);
        return true;
      } catch {
        // fall through to the older way (e.g. permission refused)
      }
    }
    const area = el("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand("copy");
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }

  function announce(message) {
    ui.announcer.textContent = "";
    // a fresh text change so screen readers announce a repeated message too
    setTimeout(() => {
      ui.announcer.textContent = message;
    }, 50);
  }

  // ---- rendering -----------------------------------------------------------------------------
  function renderAll() {
    ui.turns.replaceChildren(...turns.map(renderTurn));
    markTopics();
    ui.emptyNote.hidden = turns.length > 0;
  }

  function replaceTurn(turn) {
    const old = $(`turn-${turn.id}`);
    const fresh = renderTurn(turn);
    if (old) old.replaceWith(fresh);
    else ui.turns.append(fresh);
    ui.emptyNote.hidden = turns.length > 0;
    markTopics();
    return fresh;
  }

  // A line above the first turn of each new topic, so it shows which turns a follow-up could refer to.
  function markTopics() {
    let previous = null;
    for (const item of ui.turns.children) {
      const current = item.dataset.topic;
      item.classList.toggle("topic-start", previous !== null && current !== previous);
      previous = current;
    }
  }

  function searchedFor(turn) {
    const r = turn.response;
    if (!r || typeof r.searched_for !== "string" || r.searched_for === turn.question) return null;
    return el("p", { class: "searched-for small", title: r.rewrite || "" },
      el("span", { class: "label-inline" }, "Searched for: "), el("span", { class: "searched-text" }, r.searched_for),
      r.narrowed_to && r.narrowed_to.length ? ` (only in the document just cited)` : null);
  }

  function renderTurn(turn) {
    const item = el("li", { class: "turn", id: `turn-${turn.id}`, "data-topic": String(Number(turn.topic) || 0) });
    item.append(
      el("div", { class: "question" },
        el("h3", { class: "question-text" }, el("span", { class: "visually-hidden" }, "Question: "), el("span", { class: "question-body" }, turn.question)),
        searchedFor(turn),
        describeFilters(turn.filters) && el("p", { class: "muted small" }, describeFilters(turn.filters))),
    );
    const reply = el("div", { class: "reply" });
    if (turn.response) renderResponse(reply, turn);
    else if (turn.error) renderError(reply, turn);
    else reply.append(el("p", { class: "pending" }, "searching…"));
    item.append(reply);
    return item;
  }

  function renderError(reply, turn) {
    reply.append(
      el("div", { class: "error" },
        el("p", { class: "error-title" }, "No answer this time"),
        el("p", {}, turn.error),
        el("button", { type: "button", class: "secondary", onclick: () => !busy && ask(turn.question, turn.filters) }, "Try again")),
    );
  }

  function renderResponse(reply, turn) {
    const r = turn.response;
    const byN = new Map(r.citations.map((c) => [c.n, c]));
    if (r.answerable) {
      const answer = el("p", { class: "answer-text" });
      const pieces = answerPieces(r.answer);
      pieces.forEach((piece, i) => {
        // no space before the punctuation that follows a marker inside the disagreement sentence
        const gap = i + 1 < pieces.length && /^[,.;]/.test(pieces[i + 1].text) ? "" : " ";
        answer.append(el("span", { class: "sentence" }, piece.text));
        const citation = byN.get(piece.n);
        if (piece.n !== null && citation) {
          answer.append(" ",
            el("a", {
              class: "marker",
              href: `#cite-${turn.id}-${piece.n}`,
              "aria-label": `source ${piece.n}: ${citation.title}`,
              onclick: (event) => {
                event.preventDefault();
                openDocument(citation, event.currentTarget, turn.id);
              },
            }, `[${piece.n}]`), gap);
        } else if (piece.n !== null) {
          answer.append(` [${piece.n}]${gap}`);
        }
      });
      const low = typeof r.confidence === "number" && r.confidence < LOW_CONFIDENCE;
      reply.append(el("div", { class: low ? "answer low-confidence" : "answer" },
        el("p", { class: "label" }, "Answer", low ? " " : null, low ? el("span", { class: "badge low-badge" }, "not sure") : null),
        answer,
        low ? el("p", { class: "low-note" }, "Not sure: this answer may not hold what you asked for. Check it against the sources below.") : null));
      if (r.conflicts && r.conflicts.length) reply.append(renderConflicts(r, turn, byN));
      if (r.newer && r.newer.length) reply.append(renderNewer(r, turn));
      if (TIMELINE_QUESTION.test(turn.question)) {
        reply.append(el("p", { class: "timeline-link" },
          el("button", { type: "button", class: "secondary", onclick: (event) => openTimeline(turn.question, turn.filters, event.currentTarget) },
            "See these events on a timeline")));
      }
    } else {
      reply.append(
        el("div", { class: "abstain" },
          el("p", { class: "abstain-title" }, ABSTAIN_MESSAGE),
          OWN_WORDS_REASONS.has(r.abstention) && r.answer
            ? el("p", { class: "abstain-reason" }, r.answer)
            : ABSTAIN_REASONS[r.abstention] ? el("p", { class: "abstain-reason" }, ABSTAIN_REASONS[r.abstention]) : null,
          (r.related || []).length ? renderRelated(r.related, byN, turn) : null,
          // a decline's confidence is the chance that declining is right
          typeof r.confidence === "number" && r.confidence < LOW_CONFIDENCE
            ? el("p", { class: "low-note" }, "Not sure: the material may answer this after all. Read the closest passages below.")
            : null,
          el("p", { class: "muted" },
            r.citations.length
              ? "The closest passages are below for you to judge; none of them is an answer."
              : "No passages matched the filters; try widening them.")),
      );
    }

    // on a phone the question box is below the sources: one tap reaches it without scrolling past them
    reply.append(el("p", { class: "to-question" },
      el("a", { href: "#question", onclick: (event) => { event.preventDefault(); ui.question.focus(); ui.question.scrollIntoView({ block: "center" }); } },
        "Ask another question")));
    if (r.citations.length) {
      const title = r.answerable ? "Sources" : "Closest passages (not an answer)";
      reply.append(el("h4", { class: "cards-title" }, title));
      const cards = el("ol", { class: "cards" });
      // the cards the answer quotes first, each marked so, then the rest, each group in the service's rank
      // order (the order of [n]); the reply's own `citations` order is left as it is
      const used = new Set(r.answerable ? answerPieces(r.answer).map((p) => p.n) : []);
      // a disagreeing side's sentence is highlighted on its card too (in a decline as well, where it is not quoted)
      const claimSpans = new Map();
      for (const conflict of r.conflicts || []) {
        for (const claim of conflict.claims) {
          if (r.answerable) used.add(claim.n);
          if (!claimSpans.has(claim.n)) claimSpans.set(claim.n, []);
          claimSpans.get(claim.n).push({ start: claim.start, end: claim.end });
        }
      }
      const confidence = confidenceLabel(r);
      const ordered = [...r.citations.filter((c) => used.has(c.n)), ...r.citations.filter((c) => !used.has(c.n))];
      for (const c of ordered) {
        const shown = { ...c, highlights: [...(c.highlights || []), ...(claimSpans.get(c.n) || [])] };
        cards.append(renderCard(shown, turn, r.answerable, used.has(c.n) ? confidence : null, used.has(c.n)));
      }
      reply.append(cards);
    }

    reply.append(renderActions(turn));
  }

  // "when ..." and "what has happened since ..." questions are about a sequence of events
  const TIMELINE_QUESTION = /^\s*when\b|\bwhat (?:date|month|year)\b|\bhappened since\b|\bsince (?:then|the)\b|\btimeline\b/i;

  function renderConflicts(r, turn, byN) {
    const box = el("div", { class: "conflicts", role: "note" });
    for (const conflict of r.conflicts) {
      const list = el("ul", { class: "conflict-claims" });
      for (const claim of conflict.claims) {
        const citation = byN.get(claim.n);
        list.append(el("li", { class: claim.primary ? "conflict-claim primary" : "conflict-claim" },
          el("strong", { class: "conflict-value" }, claim.value), " ",
          citation ? el("a", {
            class: "marker",
            href: `#cite-${turn.id}-${claim.n}`,
            onclick: (event) => {
              event.preventDefault();
              openDocument({ ...citation, start: claim.start, end: claim.end, highlights: [{ start: claim.start, end: claim.end }] }, event.currentTarget, turn.id);
            },
          }, `[${claim.n}]`) : `[${claim.n}]`,
          " ", el("span", { class: "conflict-source" }, citation ? `${citation.title} (${citation.kind}, ${dateText(citation.published)})` : claim.doc_id),
          claim.primary ? el("span", { class: "badge primary-badge" }, "inspectorate's own") : null));
      }
      box.append(el("p", { class: "conflict-title" }, "Sources disagree: ", el("span", { class: "conflict-about" }, conflict.about)), list);
    }
    return box;
  }

  function renderNewer(r, turn) {
    const list = el("ul", { class: "newer-list" });
    for (const n of r.newer) {
      list.append(el("li", {},
        el("a", {
          href: "#",
          onclick: (event) => {
            event.preventDefault();
            openDocument({ doc_id: n.doc_id, title: n.doc_id, kind: "newer material", published: n.published, n: "newer",
              start: n.start, end: n.end, highlights: [{ start: n.start, end: n.end }] }, event.currentTarget, turn.id);
          },
        }, n.doc_id), ` (published ${n.published})`));
    }
    return el("div", { class: "newer", role: "note" },
      el("p", { class: "newer-title" }, "Newer material on this exists:"), list);
  }

  // ---- the timeline (in the side panel) --------------------------------------------------------
  function timelineSource(s, label) {
    return el("li", { class: s.primary ? "tl-source primary" : "tl-source" },
      el("span", { class: "tl-value" }, s.value), " · ",
      el("a", {
        href: "#",
        onclick: (event) => {
          event.preventDefault();
          openDocument({ ...s, n: label, highlights: [{ start: s.start, end: s.end }] }, event.currentTarget, null);
        },
      }, s.title),
      ` (${s.kind}, ${dateText(s.published)})`);
  }

  async function openTimeline(question, filters, opener) {
    const request = ++panelRequest;
    panelOpener = opener;
    ui.panel.hidden = false;
    ui.layout.classList.add("with-doc");
    ui.docTitle.textContent = "Timeline";
    ui.docMeta.textContent = question ? `Dated events in the passages for: ${question}` : "Dated events in the material";
    ui.docText.replaceChildren(el("p", { class: "muted" }, "Loading the timeline…"));
    ui.docTitle.focus({ preventScroll: true });
    const params = new URLSearchParams();
    if (question) params.set("q", question);
    for (const d of (filters && filters.doc_id) || []) params.append("doc_id", d);
    for (const k of (filters && filters.kind) || []) params.append("kind", k);
    for (const a of (filters && filters.authority) || []) params.append("authority", a);
    if (filters && filters.published_from) params.set("published_from", filters.published_from);
    if (filters && filters.published_to) params.set("published_to", filters.published_to);
    let reply;
    try {
      reply = await requestJSON(`/timeline?${params}`);
    } catch (err) {
      if (request === panelRequest) ui.docText.replaceChildren(el("p", { class: "error" }, err.message));
      return;
    }
    if (request !== panelRequest) return;
    if (!reply.events.length) {
      ui.docText.replaceChildren(el("p", { class: "muted" }, "No dated events found."));
      return;
    }
    // several local authorities: one list per authority, each under its name (a council's events never mix with another's)
    const groups = new Map();
    for (const e of reply.events) {
      const key = e.authority || "Authority not known";
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(e);
    }
    if (groups.size > 1) {
      const sections = [];
      for (const [name, events] of groups) {
        sections.push(el("section", { class: "tl-authority" }, el("h3", {}, name), timelineList(events, null)));
      }
      ui.docText.replaceChildren(el("div", { id: "timeline" }, ...sections));
    } else {
      ui.docText.replaceChildren(timelineList(reply.events, "timeline"));
    }
    ui.panel.scrollTop = 0;
  }

  function timelineList(events, id) {
    const list = el("ol", id ? { class: "timeline", id } : { class: "timeline" });
    for (const e of events) {
      const sources = el("ul", { class: "tl-sources" }, timelineSource(e.citation, "timeline"));
      for (const a of e.agree) sources.append(timelineSource(a, "agrees"));
      const item = el("li", { class: e.disagree.length ? "tl-event disputed" : "tl-event" },
        el("p", { class: "tl-head" }, el("strong", { class: "tl-date" }, e.date), " — ", el("span", { class: "tl-about" }, e.about)),
        el("blockquote", { class: "tl-text" }, e.citation.text),
        sources);
      if (e.disagree.length) {
        const other = el("ul", { class: "tl-sources" });
        for (const d of e.disagree) other.append(timelineSource(d, "disagrees"));
        item.append(el("p", { class: "tl-disagree" }, "Other sources give a different date:"), other);
      }
      list.append(item);
    }
    return list;
  }

  // sentences on the question's subject that do not answer it: quoted apart from any answer, each with its source
  function renderRelated(related, byN, turn) {
    const list = el("ul", { class: "related-list" });
    for (const item of related) {
      const citation = byN.get(item.n);
      list.append(el("li", { class: "related" },
        el("q", {}, item.text), " ",
        citation
          ? el("a", {
              class: "marker",
              href: `#cite-${turn.id}-${item.n}`,
              "aria-label": `source ${item.n}: ${citation.title}`,
              onclick: (event) => { event.preventDefault(); openDocument(citation, event.currentTarget, turn.id); },
            }, `[${item.n}]`)
          : `[${item.n}]`,
        " ", el("span", { class: "badge" }, "not an answer")));
    }
    return el("div", { class: "related-block" }, el("p", { class: "label" }, "Related, but not an answer"), list);
  }

  // A letter's furniture at a passage's head: address lines down to the postcode, contact lines, the date, "Dear ...".
  // The line shapes are index/ingest/letterhead.py's; the service trims furniture at a passage's edges, but a date
  // line (kept: it answers "when was the letter sent?") can stand before the address.
  const POSTCODE_END = /(?:^|[\s,])[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}$/;
  const CONTACT_LINE = /^(?:[A-Za-z][A-Za-z ]{0,14}[.:]?\s+)?(?:\+?\(?\d[\d ()-]{5,}\d|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?:https?:\/\/|www\.)\S+)$/i;
  const SALUTATION = /^Dear\s+\S[^.!?;:]{0,60},?$/;
  const DATE_LINE = /^\d{1,2}(?:st|nd|rd|th)?\s+(?:january|february|march|april|may|june|july|august|september|october|november|december)\s+\d{4}$/i;
  const FURNITURE = (line) => POSTCODE_END.test(line) || CONTACT_LINE.test(line) || SALUTATION.test(line) || DATE_LINE.test(line);

  // Where a card's preview starts: after the last furniture line among the passage's leading short lines
  // (presentation only: the citation's offsets stay as the service gave them)
  function previewStart(text) {
    let offset = 0;
    let skipTo = 0;
    let lines = 0;
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      const next = offset + raw.length + 1;
      if (line) {
        if (line.length > 80 || /[.!?]["”’')\]]*$/.test(line) || ++lines > 14) break;
        if (FURNITURE(line)) skipTo = next;
      }
      offset = next;
    }
    if (skipTo >= text.length) return 0;
    while (skipTo < text.length && /\s/.test(text[skipTo])) skipTo += 1;
    return skipTo;
  }

  const PHONE = window.matchMedia ? window.matchMedia("(max-width: 599.98px)") : { matches: false };

  function renderCard(c, turn, answerable, confidence, quoted) {
    const original = originalLink(c.doc_id);
    const passage = el("blockquote", { class: "passage" });
    // never skip past a highlighted sentence: what the card is cited for stays on it
    const firstMark = Math.min(c.text.length, ...(c.highlights || []).map((h) => Math.max(0, h.start - c.start)));
    const from = Math.min(previewStart(c.text), firstMark);
    if (from > 0) passage.append("… ");
    appendMarked(passage, c.text.slice(from), c.start + from, c.highlights, "hl");
    const open = (event) => {
      if (event.type === "click" && window.getSelection && String(window.getSelection()) !== "") return; // let people select text
      const card = event.currentTarget.closest(".card");
      // on a phone an unquoted passage is one line: a tap on it unfolds it, the next (or one on the title) opens the document
      if (PHONE.matches && card.classList.contains("folded") && !event.target.closest(".card-title")) {
        card.classList.remove("folded");
        return;
      }
      openDocument(c, card.querySelector(".card-title"), turn.id);
    };
    const classes = ["card", answerable ? null : "not-answer", quoted ? "quoted" : "folded"].filter(Boolean).join(" ");
    const card = el("li", { class: classes, id: `cite-${turn.id}-${c.n}`, onclick: open },
      el("div", { class: "card-head" },
        el("span", { class: "card-n", "aria-hidden": "true" }, `[${c.n}]`),
        el("button", { type: "button", class: "card-title", "aria-label": `[${c.n}] ${c.title}: open the document at this passage` }, c.title)),
      quoted ? el("p", { class: "card-quoted" }, el("span", { class: "badge quoted-badge" }, "quoted in the answer")) : null,
      el("p", { class: "card-meta" },
        ...sourceFacts(c),
        confidence ? " · " : null,
        confidence ? el("span", { class: "confidence" }, `answer confidence: ${confidence}`) : null,
        original ? " · " : null,
        original,
        answerable ? null : " ",
        answerable ? null : el("span", { class: "badge" }, "not an answer")),
      passage);
    return card;
  }

  function renderActions(turn) {
    const status = el("span", { class: "small action-status", role: "status" });
    const copy = el("button", {
      type: "button", class: "secondary copy",
      onclick: async () => {
        const ok = await writeClipboard(copyText(turn));
        status.textContent = ok ? "Answer copied with its references." : "Copying is blocked in this browser; select the text instead.";
      },
    }, "Copy answer");
    return el("div", { class: "actions" }, el("div", { class: "copy-row" }, copy, status), renderFeedback(turn));
  }

  // One click on a thumb saves the rating at once ("Saved"); a comment then updates the same record.
  function renderFeedback(turn) {
    const box = el("div", { class: "feedback", role: "group", "aria-label": "Feedback on this answer" });
    const commentId = `comment-${turn.id}`;
    const comment = el("textarea", { id: commentId, rows: 2, maxlength: 2000, class: "comment" });
    comment.value = (turn.feedback && turn.feedback.comment) || "";
    const status = el("span", { class: "small feedback-status", role: "status" });
    const saveComment = el("button", { type: "button", class: "secondary send-comment" }, "Save comment");
    const details = el("div", { class: "feedback-more", hidden: !(turn.feedback && turn.feedback.id) },
      el("label", { for: commentId }, "Comment (optional)"), comment, saveComment);
    const thumbs = [["up", "Helpful"], ["down", "Not helpful"]].map(([rating, label]) =>
      el("button", {
        type: "button", class: `thumb thumb-${rating}`,
        "aria-pressed": String(Boolean(turn.feedback && turn.feedback.rating === rating)),
        onclick: () => rate(turn, rating, { box, details, status }),
      }, el("span", { class: `icon icon-${rating}`, "aria-hidden": "true" }), label));
    saveComment.addEventListener("click", () => sendComment(turn, comment.value, { status, button: saveComment }));
    box.append(el("span", { class: "small" }, "Was this useful? "), ...thumbs, status, details);
    return box;
  }

  async function rate(turn, rating, { box, details, status }) {
    const buttons = [...box.querySelectorAll(".thumb")];
    if (buttons.some((b) => b.disabled)) return; // one save at a time: a double click is one rating
    for (const b of buttons) b.disabled = true;
    status.textContent = "Saving…";
    try {
      if (turn.feedback && turn.feedback.id) {
        await requestJSON(`/feedback/${turn.feedback.id}`, {
          method: "PATCH", body: JSON.stringify({ edit_token: turn.feedback.token, rating }),
        });
        turn.feedback.rating = rating;
      } else {
        const r = turn.response;
        const body = {
          question: turn.question, answer: r.answer, answerable: r.answerable, rating,
          citations: r.citations.map((c) => c.doc_id),
        };
        const saved = await requestJSON("/feedback", { method: "POST", body: JSON.stringify(body) });
        turn.feedback = { id: saved.id, token: saved.edit_token, rating, comment: null };
      }
      saveTurns();
      for (const b of buttons) b.setAttribute("aria-pressed", String(b.classList.contains(`thumb-${rating}`)));
      status.textContent = "Saved";
      details.hidden = false;
      details.scrollIntoView({ block: "nearest" });
    } catch (err) {
      status.textContent = err.message;
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  async function sendComment(turn, text, { status, button }) {
    if (!turn.feedback || !turn.feedback.id) return;
    button.disabled = true;
    status.textContent = "Saving…";
    try {
      await requestJSON(`/feedback/${turn.feedback.id}`, {
        method: "PATCH", body: JSON.stringify({ edit_token: turn.feedback.token, comment: text.trim() }),
      });
      turn.feedback.comment = text.trim() || null;
      saveTurns();
      status.textContent = "Saved, with your comment";
    } catch (err) {
      status.textContent = err.message;
    } finally {
      button.disabled = false;
    }
  }

  // ---- the document panel --------------------------------------------------------------------
  async function fetchDocument(docId) {
    if (!documentCache.has(docId)) {
      const promise = requestJSON(`/documents/${encodeURIComponent(docId)}`);
      documentCache.set(docId, promise);
      promise.catch(() => documentCache.delete(docId));
    }
    return documentCache.get(docId);
  }

  async function openDocument(citation, opener, turnId) {
    const request = ++panelRequest;
    panelOpener = opener;
    for (const active of document.querySelectorAll(".card.active")) active.classList.remove("active");
    const card = turnId === null ? null : $(`cite-${turnId}-${citation.n}`);
    if (card) card.classList.add("active");

    ui.panel.hidden = false;
    ui.layout.classList.add("with-doc");
    ui.docTitle.textContent = citation.title;
    ui.docMeta.replaceChildren(...sourceFacts(citation), ` · passage [${citation.n}] highlighted`);
    const original = originalLink(citation.doc_id);
    if (original) ui.docMeta.append(" · ", original);
    ui.pdfBar.hidden = true;
    ui.docPdf.hidden = true;
    ui.docText.hidden = false;
    ui.docText.replaceChildren(el("p", { class: "muted" }, "Loading the document…"));
    ui.docTitle.focus({ preventScroll: true });

    let doc;
    try {
      doc = await fetchDocument(citation.doc_id);
    } catch (err) {
      if (request === panelRequest) ui.docText.replaceChildren(el("p", { class: "error" }, err.message));
      return;
    }
    if (request !== panelRequest) return; // a later click won
    shown = { citation, doc, pdf: null, page: answerPage(citation), textView: false };
    if (citation.page) await showPdf(request);
    else showText();
  }

  // The clean text with the passage and its answer sentences marked (every format; the only view
  // of web pages, Word and text files).
  function showText() {
    const { citation, doc } = shown;
    ui.docPdf.hidden = true;
    ui.docText.hidden = false;
    const text = doc.text;
    const passage = el("mark", { class: "passage-hl", id: "doc-passage" });
    appendMarked(passage, text.slice(citation.start, citation.end), citation.start, citation.highlights, "hl");
    ui.docText.replaceChildren(text.slice(0, citation.start), passage, text.slice(citation.end));
    // scroll the panel only (scrollIntoView would also move the conversation beside it);
    // the panel is positioned, so it is the passage's offsetParent
    ui.panel.scrollTop = Math.max(0, passage.offsetTop - ui.panel.clientHeight / 3);
  }

  async function fetchPdf(docId) {
    if (!pdfCache.has(docId)) {
      const promise = (async () => {
        const view = await loadPdfModule();
        let response;
        try {
          response = await fetch(`/documents/${encodeURIComponent(docId)}/original`);
        } catch {
          throw new RequestError("Could not fetch the original PDF; the clean text is shown instead.");
        }
        if (!response.ok) throw new RequestError(`The original PDF is not available (${response.status}); the clean text is shown instead.`);
        return view.openPdf(await response.arrayBuffer());
      })();
      pdfCache.set(docId, promise);
      promise.catch(() => pdfCache.delete(docId));
    }
    return pdfCache.get(docId);
  }

  function loadPdfModule() {
    if (!pdfModule) {
      pdfModule = import("/static/pdfview.mjs").catch(() => {
        pdfModule = null;
        throw new RequestError("The page view is not installed on this server (run `make vendor`); the clean text is shown instead.");
      });
    }
    return pdfModule;
  }

  // A PDF citation: the page of the original file with the cited sentences marked on it.
  async function showPdf(request) {
    const { citation, doc } = shown;
    ui.pdfBar.hidden = false;
    ui.viewToggle.textContent = "Show clean text";
    ui.viewToggle.setAttribute("aria-pressed", "false");
    ui.docText.hidden = true;
    ui.docPdf.hidden = false;
    ui.docPdf.replaceChildren(el("p", { class: "muted" }, "Loading the page…"));
    let pdf;
    try {
      pdf = await fetchPdf(citation.doc_id);
    } catch (err) {
      if (request !== panelRequest) return;
      ui.pdfBar.hidden = true;
      showText();
      ui.docText.prepend(el("p", { class: "muted small" }, err.message));
      return;
    }
    if (request !== panelRequest) return;
    shown.pdf = pdf;
    const sentences = citation.highlights && citation.highlights.length
      ? citation.highlights.map((h) => ({ text: doc.text.slice(h.start, h.end), first: h.page || citation.page, last: (h.pages && h.pages[1]) || h.page || citation.page }))
      : [{ text: citation.text, first: citation.page, last: (citation.pages && citation.pages[1]) || citation.page }]; // closest passages: the passage itself
    shown.sentences = sentences;
    await drawPage(request);
  }

  async function drawPage(request) {
    const { pdf, citation } = shown;
    const number = Math.min(Math.max(1, shown.page), pdf.numPages);
    shown.page = number;
    // a focused button that is disabled drops keyboard focus to the page body: hand it to the other one
    const focused = document.activeElement;
    ui.pdfPrev.disabled = number <= 1;
    ui.pdfNext.disabled = number >= pdf.numPages;
    if (focused === ui.pdfNext && ui.pdfNext.disabled && !ui.pdfPrev.disabled) ui.pdfPrev.focus();
    if (focused === ui.pdfPrev && ui.pdfPrev.disabled && !ui.pdfNext.disabled) ui.pdfNext.focus();
    ui.pdfPageLabel.textContent = `Page ${number} of ${pdf.numPages}`;
    ui.docMeta.textContent = `${citation.kind} · ${dateText(citation.published)} · passage [${citation.n}] · the original PDF, cited sentences highlighted`;
    const view = await loadPdfModule();
    const width = Math.max(240, ui.docPdf.clientWidth - 2);
    try {
      const marked = await view.renderPage(pdf, number, ui.docPdf, width, shown.sentences);
      if (request !== panelRequest) return;
      ui.docPdf.dataset.page = String(number);
      ui.docPdf.dataset.marked = String(marked);
      if (!marked && shown.sentences.some((x) => x.first <= number && number <= x.last)) {
        // a scanned page (read by OCR) has no text layer to mark; the clean text still has the sentence
        ui.docMeta.textContent += " · the cited words could not be found in this page's text layer; “Show clean text” marks them";
      }
      const first = ui.docPdf.querySelector("mark.pdf-hl");
      ui.panel.scrollTop = first ? Math.max(0, first.getBoundingClientRect().top - ui.panel.getBoundingClientRect().top + ui.panel.scrollTop - ui.panel.clientHeight / 3) : 0;
    } catch (err) {
      if (request !== panelRequest) return;
      ui.docPdf.replaceChildren(el("p", { class: "error" }, `This page could not be drawn (${err && err.message ? err.message : err}). Use “Show clean text”.`));
    }
  }

  function turnPage(step) {
    if (!shown || !shown.pdf) return;
    shown.page += step;
    drawPage(++panelRequest);
  }

  function toggleView() {
    if (!shown || !shown.citation.page) return;
    shown.textView = !shown.textView;
    if (shown.textView) {
      showText();
      ui.pdfPrev.disabled = ui.pdfNext.disabled = true;
      ui.viewToggle.textContent = "Show the PDF page";
      ui.viewToggle.setAttribute("aria-pressed", "true");
    } else {
      showPdf(++panelRequest);
    }
  }

  function closeDocument() {
    panelRequest++; // a page still drawing is not wanted any more
    shown = null;
    ui.panel.hidden = true;
    ui.layout.classList.remove("with-doc");
    for (const active of document.querySelectorAll(".card.active")) active.classList.remove("active");
    if (panelOpener && document.contains(panelOpener)) panelOpener.focus();
    panelOpener = null;
  }

  // ---- filters -------------------------------------------------------------------------------
  async function loadDocuments() {
    let docs;
    try {
      docs = await requestJSON("/documents");
    } catch (err) {
      ui.filterDocsEmpty.textContent = signInNeeded ? "Sign in to see the documents." : `Could not load the document list: ${err.message}`;
      return;
    }
    ui.filterDocsEmpty.remove();
    const kinds = [];
    for (const d of docs) documentInfo.set(d.doc_id, d);
    if (turns.some((t) => t.response) && docs.some((d) => d.url)) renderAll(); // earlier answers get their "Original" links
    for (const d of docs) {
      const id = `doc-${d.doc_id}`;
      ui.filterDocs.append(
        el("div", { class: "check" },
          el("input", { type: "checkbox", id, name: "doc_id", value: d.doc_id }),
          el("label", { for: id }, d.title, " ", el("span", { class: "muted small" }, `(${d.kind}, ${dateText(d.published)})`))),
      );
      if (!kinds.includes(d.kind)) kinds.push(d.kind);
    }
    const authorities = new Map();
    for (const d of docs) if (d.authority) authorities.set(d.authority, (authorities.get(d.authority) || 0) + 1);
    if (authorities.size) ui.filterAuthorities.hidden = false;
    for (const [name, count] of [...authorities].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) {
      const id = `authority-${name.replace(/[^A-Za-z0-9-]/g, "-")}`;
      ui.filterAuthorities.append(
        el("div", { class: "check" },
          el("input", { type: "checkbox", id, name: "authority", value: name }),
          el("label", { for: id }, name, " ", el("span", { class: "muted small" }, `(${count})`))),
      );
    }
    for (const kind of kinds.sort()) {
      const id = `kind-${kind}`;
      ui.filterKinds.append(
        el("div", { class: "check" },
          el("input", { type: "checkbox", id, name: "kind", value: kind }),
          el("label", { for: id }, kind)),
      );
    }
  }

  function currentFilters() {
    const checked = (name) => [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
    const filters = {};
    const docIds = checked("doc_id");
    const kinds = checked("kind");
    if (docIds.length) filters.doc_id = docIds;
    if (kinds.length) filters.kind = kinds;
    const authorities = checked("authority");
    if (authorities.length) filters.authority = authorities;
    if (ui.from.value) filters.published_from = ui.from.value;
    if (ui.to.value) filters.published_to = ui.to.value;
    return Object.keys(filters).length ? filters : null;
  }

  function updateFilterSummary() {
    const f = currentFilters();
    const active = f ? Object.keys(f).length : 0;
    ui.filtersSummary.textContent = active ? `Filters (${active} active)` : "Filters";
  }

  // ---- asking --------------------------------------------------------------------------------
  function setBusy(state) {
    busy = state;
    ui.question.disabled = state || signInNeeded;
    ui.send.disabled = state || signInNeeded;
    ui.status.textContent = state ? "searching…" : "";
    ui.turns.setAttribute("aria-busy", String(state));
  }

  async function ask(question, filters) {
    const history = conversationHistory(); // before this turn joins the list
    const turn = {
      id: Date.now().toString(36) + Math.random().toString(36).slice(2, 6),
      question,
      filters: filters || null,
      topic,
      askedAt: new Date().toISOString(),
    };
    turns.push(turn);
    saveTurns();
    replaceTurn(turn).scrollIntoView({ block: "end" });
    setBusy(true);
    const body = { question };
    if (turn.filters) body.filters = turn.filters;
    if (history.length) body.history = history;
    try {
      turn.response = await requestJSON("/ask", { method: "POST", body: JSON.stringify(body) });
    } catch (err) {
      turn.error = err.message;
    }
    setBusy(false);
    saveTurns();
    const rendered = replaceTurn(turn);
    // the answer's top, not the question box: on a phone the box sits screens below a long answer
    rendered.querySelector(".reply").scrollIntoView({ block: "start" });
    if (turn.error) announce(`No answer: ${turn.error}`);
    else if (turn.response.answerable) {
      const searched = turn.response.searched_for && turn.response.searched_for !== question ? ` Searched for: ${turn.response.searched_for}.` : "";
      announce(`Answer: ${turn.response.answer}${searched}`);
    }
    else announce(`${ABSTAIN_MESSAGE} ${turn.response.citations.length} closest passages are shown.`);
    ui.question.focus({ preventScroll: true });
  }

  function submit() {
    const question = ui.question.value.trim();
    if (busy) return;
    if (!question) {
      ui.status.textContent = "Type a question first.";
      ui.question.focus();
      return;
    }
    ui.question.value = "";
    ask(question, currentFilters());
  }

  // ---- wiring --------------------------------------------------------------------------------
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  ui.question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  ui.newTopic.addEventListener("click", () => {
    // the turns stay on the page; the next question is not read as a follow-up of them
    topic += 1;
    saveTopic();
    announce("New topic: the next question is searched on its own.");
    ui.question.focus();
  });
  ui.clear.addEventListener("click", () => {
    turns = [];
    topic = 0;
    saveTopic();
    saveTurns();
    renderAll();
    closeDocument();
    announce("Conversation cleared.");
    ui.question.focus();
  });
  ui.closeDoc.addEventListener("click", closeDocument);
  ui.pdfPrev.addEventListener("click", () => turnPage(-1));
  ui.pdfNext.addEventListener("click", () => turnPage(1));
  ui.viewToggle.addEventListener("click", toggleView);
  $("show-timeline").addEventListener("click", (event) => openTimeline("", currentFilters(), event.currentTarget));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !ui.panel.hidden) closeDocument();
  });
  for (const input of [ui.filterDocs, ui.filterKinds, ui.filterAuthorities, ui.from, ui.to]) input.addEventListener("change", updateFilterSummary);
  ui.resetFilters.addEventListener("click", () => {
    for (const box of ui.filters.querySelectorAll("input[type=checkbox]")) box.checked = false;
    ui.from.value = "";
    ui.to.value = "";
    updateFilterSummary();
  });

  // A turn left "searching…" by a reload never got its answer.
  for (const turn of turns) {
    if (!turn.response && !turn.error) turn.error = "The page was reloaded before this answer arrived. Ask again.";
  }
  renderAll();
  if (turns.length) ui.turns.lastElementChild.scrollIntoView({ block: "end" });
  loadDocuments();
  document.documentElement.dataset.ready = "true"; // tests wait for this
})();
