// The admin view: upload or remove a document, then follow its job (GET /admin/jobs/{id}) to published or failed.
"use strict";
(() => {
  const POLL_MS = 500;
  const $ = (id) => document.getElementById(id);

  function message(payload, fallback) {
    return (payload && payload.error && typeof payload.error.message === "string") ? payload.error.message : fallback;
  }

  async function call(url, options = {}) {
    const response = await fetch(url, { ...options, headers: { Accept: "application/json" } });
    let payload = null;
    try { payload = await response.json(); } catch { payload = null; }
    if (response.status === 401 || response.status === 403) throw new Error("This view needs an admin sign-in or key.");
    if (!response.ok) throw new Error(message(payload, `The service answered ${response.status}.`));
    return payload;
  }

  function jobRow(label) {
    $("jobs-empty").hidden = true;
    const item = document.createElement("li");
    const title = document.createElement("span");
    title.textContent = label;
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    bar.setAttribute("aria-label", `Progress of ${label}`);
    const state = document.createElement("span");
    state.className = "job-state";
    state.textContent = "sending…";
    item.append(title, bar, state);
    $("jobs").prepend(item);
    return { item, bar, state };
  }

  function showJob(row, job) {
    row.bar.value = job.progress;
    row.item.dataset.state = job.state;
    if (job.state === "failed") {
      row.state.className = "job-state job-failed";
      row.state.textContent = `failed: ${job.reason || "no reason given"}`;
    } else if (job.state === "published") {
      row.state.textContent = `published${job.doc_id ? ` as ${job.doc_id}` : ""}: now in answers`;
    } else {
      row.state.textContent = job.state;
    }
  }

  async function follow(row, job) {
    showJob(row, job);
    while (job.state !== "published" && job.state !== "failed") {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      try {
        job = await call(job.url);
      } catch (err) {
        row.state.textContent = `${job.state} (could not check: ${err.message}; retrying)`;
        continue;
      }
      showJob(row, job);
    }
    if (job.state === "published") loadDocuments();
  }

  async function submit(label, url, options) {
    const row = jobRow(label);
    try {
      await follow(row, await call(url, options));
    } catch (err) {
      row.item.dataset.state = "refused";
      row.state.className = "job-state job-failed";
      row.state.textContent = `refused: ${err.message}`;
    }
  }

  async function loadDocuments() {
    try {
      const docs = await call("/documents");
      const list = $("docs");
      list.replaceChildren();
      for (const doc of docs) {
        const item = document.createElement("li");
        item.textContent = `${doc.title} (${doc.doc_id})`;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "secondary";
        remove.textContent = "Remove";
        remove.setAttribute("aria-label", `Remove ${doc.title}`);
        remove.addEventListener("click", () => {
          submit(`Removing ${doc.doc_id}`, `/admin/documents/${encodeURIComponent(doc.doc_id)}`, { method: "DELETE" });
        });
        item.append(remove);
        list.append(item);
      }
      $("docs-note").textContent = `${docs.length} documents.`;
    } catch (err) {
      $("docs-note").textContent = err.message;
    }
  }

  $("upload-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const file = $("upload-file").files[0];
    if (!file) {
      $("upload-file").focus();
      return;
    }
    const body = new FormData();
    body.append("file", file);
    for (const name of ["title", "published", "publisher"]) {
      const value = $(`upload-${name}`).value.trim();
      if (value) body.append(name, value);
    }
    submit(`Adding ${file.name}`, "/admin/documents", { method: "POST", body });
    event.target.reset();
  });

  loadDocuments();
})();
