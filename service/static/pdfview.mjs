// The PDF page view of the document panel: one page of the original file drawn by pdf.js (served
// from /static/vendor/pdfjs by `make vendor`, never a CDN), with its text layer on top and the cited
// sentences marked in that text layer. app.js loads this module only when a PDF citation is opened.
//
// The cited sentences come from the clean text the service indexed (pypdf's reading of the file);
// the text layer is pdf.js's reading of the same page. The two can differ in spacing, hyphenation at
// line ends and ligatures, so they are matched on letters and digits only.

import * as pdfjs from "/static/vendor/pdfjs/pdf.min.mjs";

const VENDOR = "/static/vendor/pdfjs/";
pdfjs.GlobalWorkerOptions.workerSrc = `${VENDOR}pdf.worker.min.mjs`;

// Opens the PDF held in `data` (an ArrayBuffer). No eval and no WebAssembly: the page's CSP allows neither.
export function openPdf(data) {
  return pdfjs.getDocument({
    data,
    isEvalSupported: false,
    useWasm: false,
    standardFontDataUrl: `${VENDOR}standard_fonts/`,
    cMapUrl: `${VENDOR}cmaps/`,
    cMapPacked: true,
  }).promise;
}

// ---- matching a sentence to the text layer --------------------------------------------------

// Letters and digits of `items` (the text layer's strings), lower-cased, each with the item and
// offset it came from. A word hyphenated at a line end ("pre-" + "ceedings") simply runs on.
function letterIndex(items) {
  const keys = [];
  const where = [];
  items.forEach((str, item) => {
    for (let offset = 0; offset < str.length; offset++) {
      for (const ch of str[offset].normalize("NFKC").toLowerCase()) {
        if (/[\p{L}\p{N}]/u.test(ch)) {
          keys.push(ch);
          where.push([item, offset]);
        }
      }
    }
  });
  return { text: keys.join(""), where };
}

const lettersOf = (sentence) => [...sentence.normalize("NFKC").toLowerCase()].filter((ch) => /[\p{L}\p{N}]/u.test(ch)).join("");

// Longest run of `key` found in `text`: the whole of it, or (for a sentence broken by a page
// break) its opening on the page it starts on, its close on the page it ends on. Whether a
// shorter prefix (suffix) is found follows from a longer one being found, so halve the length.
function longestPart(text, key, part) {
  const find = (n) => text.indexOf(part === "end" ? key.slice(key.length - n) : key.slice(0, n));
  if (find(key.length) >= 0) return [find(key.length), key.length];
  if (part === "whole") return null;
  let lo = 0;
  let hi = key.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (find(mid) >= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo >= Math.min(12, key.length) ? [find(lo), lo] : null; // a dozen letters: not a chance hit
}

// Character ranges per text-layer item covering the matched letters, widened over the punctuation
// that opens or closes the sentence inside the same item (a quote mark, the full stop).
function itemRanges(items, where, start, length) {
  const [firstItem, firstOffset] = where[start];
  const [lastItem, lastOffset] = where[start + length - 1];
  const ranges = new Map();
  for (let item = firstItem; item <= lastItem; item++) {
    const str = items[item];
    let from = item === firstItem ? firstOffset : 0;
    let to = item === lastItem ? lastOffset + 1 : str.length;
    if (item === firstItem) while (from > 0 && /[^\s\p{L}\p{N}]/u.test(str[from - 1])) from--;
    if (item === lastItem) while (to < str.length && /[^\s\p{L}\p{N}]/u.test(str[to])) to++;
    if (to > from) ranges.set(item, [from, to]);
  }
  return ranges;
}

// Wraps the ranges of each text-layer span in <mark>s (several sentences may share one line); the
// span keeps its whole text, and so the width pdf.js gave it.
function markRanges(divs, items, byItem) {
  for (const [item, ranges] of byItem) {
    const str = items[item];
    const parts = [];
    let pos = 0;
    for (const [from, to, sentence] of ranges.sort((a, b) => a[0] - b[0])) {
      const start = Math.max(from, pos);
      if (to <= start) continue;
      if (start > pos) parts.push(str.slice(pos, start));
      const mark = document.createElement("mark");
      mark.className = "pdf-hl";
      mark.dataset.sentence = String(sentence);
      mark.textContent = str.slice(start, to);
      parts.push(mark);
      pos = to;
    }
    if (pos < str.length) parts.push(str.slice(pos));
    divs[item].replaceChildren(...parts);
  }
}

// ---- drawing a page -------------------------------------------------------------------------

// Draws page `number` of `pdf` into `container` (replacing what was there), `width` CSS pixels
// wide, and marks each of `sentences` ({text, first, last}: the pages the sentence lies on) that
// is on this page. Resolves to the number of sentences marked.
export async function renderPage(pdf, number, container, width, sentences) {
  const page = await pdf.getPage(number);
  const scale = width / page.getViewport({ scale: 1 }).width;
  const viewport = page.getViewport({ scale });
  const ratio = window.devicePixelRatio || 1;

  const sheet = document.createElement("div");
  sheet.className = "pdf-sheet";
  // CSSOM, not a style attribute: allowed under style-src 'self'
  sheet.style.width = `${Math.floor(viewport.width)}px`;
  sheet.style.height = `${Math.floor(viewport.height)}px`;
  sheet.style.setProperty("--total-scale-factor", String(scale));
  sheet.style.setProperty("--scale-round-x", "1px");
  sheet.style.setProperty("--scale-round-y", "1px");

  const canvas = document.createElement("canvas");
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  canvas.setAttribute("aria-hidden", "true"); // the text layer carries the words

  const textLayerDiv = document.createElement("div");
  textLayerDiv.className = "textLayer";
  sheet.append(canvas, textLayerDiv);
  container.replaceChildren(sheet);

  await page.render({
    canvas,
    canvasContext: canvas.getContext("2d"),
    viewport,
    transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null,
  }).promise;
  const textLayer = new pdfjs.TextLayer({ textContentSource: page.streamTextContent(), container: textLayerDiv, viewport });
  await textLayer.render();

  const items = textLayer.textContentItemsStr;
  const { text, where } = letterIndex(items);
  const byItem = new Map();
  let marked = 0;
  sentences.forEach((sentence, i) => {
    if (number < sentence.first || number > sentence.last) return;
    const key = lettersOf(sentence.text);
    if (!key) return;
    const part = sentence.first === sentence.last ? "whole" : number === sentence.first ? "start" : number === sentence.last ? "end" : null;
    if (part === null) return; // a page wholly inside one sentence: nothing to tell apart
    const found = longestPart(text, key, part);
    if (!found) return;
    for (const [item, [from, to]] of itemRanges(items, where, found[0], found[1])) {
      if (!byItem.has(item)) byItem.set(item, []);
      byItem.get(item).push([from, to, i]);
    }
    marked++;
  });
  markRanges(textLayer.textDivs, items, byItem);
  return marked;
}
