"""Turn a PDF, web page, Word file or text file into clean text, with page spans where pages exist.

The text comes out in the form `index.clean.clean_text` produces (paragraphs split by one blank
line, single spaces, no tabs), so cleaning it again with no rules leaves it unchanged and page
offsets stay true. Each format's chrome is dropped here, generally, instead of by per-site rules:
PDF running headers/footers and page numbers, HTML navigation/adverts/teasers (trafilatura's
main-text extraction).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from index.errors import UnsupportedDocument

SUPPORTED_SUFFIXES = (".pdf", ".html", ".htm", ".docx", ".txt", ".md")
_SENTENCE_END = tuple('.!?:;"”’)')
_PAGE_NUMBER = re.compile(r"^(page\s+)?\d{1,4}(\s*(of|/)\s*\d{1,4})?$|^-\s*\d{1,4}\s*-$", re.IGNORECASE)
_RUNNING_MAX = 90  # characters: longer lines are never taken for a running header or footer
_EDGE_LINES = 2  # lines at the top and bottom of a page that may be a running header or footer

# Decompression bombs: a small upload must not expand without bound. A real inspection report is
# a few hundred pages and its Word file a few MB unpacked; these caps are far above that.
MAX_PDF_PAGES = 2000
MAX_DOCX_ENTRY_BYTES = 64 * 1024 * 1024  # any one part of the zip, unpacked
MAX_DOCX_TOTAL_BYTES = 128 * 1024 * 1024  # all parts together, unpacked
# extraction of an uploaded file runs in a child process held to these (extract_text_isolated)
EXTRACT_MEMORY_BYTES = 1536 * 1024 * 1024
EXTRACT_SECONDS = 120


@dataclass(frozen=True)
class ExtractedDocument:
    text: str
    pages: tuple[tuple[int, int], ...]  # (start, end) offsets of each page in text; () without pages
    title: str | None
    published: dt.date | None


def _tidy(line: str) -> str:
    return re.sub(r"\s+", " ", line.replace("\u00a0", " ")).strip()


def _join_paragraphs(paragraphs: list[str]) -> str:
    return "\n\n".join(p for p in (_tidy(p) for p in paragraphs) if p)


# ---------------------------------------------------------------- PDF


def _edge_key(line: str) -> str:
    # page numbers inside a running header ("Report 3 of 9") differ per page; compare without digits
    return re.sub(r"\d+", "#", line.lower())


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Edge-line keys that repeat on at least half the pages (and on two or more): headers and footers."""
    counts: Counter[str] = Counter()
    for lines in pages:
        # running heads are short; a long repeated line is more likely body text that repeats
        edges = {_edge_key(line) for line in lines[:_EDGE_LINES] + lines[-_EDGE_LINES:] if len(line) <= _RUNNING_MAX}
        counts.update(edges)
    needed = max(2, (len(pages) + 1) // 2)
    return {key for key, n in counts.items() if n >= needed}


def _strip_edges(lines: list[str], running: set[str]) -> list[str]:
    lines = list(lines)
    for _ in range(_EDGE_LINES + 1):
        if lines and (_edge_key(lines[0]) in running or _PAGE_NUMBER.match(lines[0])):
            lines.pop(0)
    for _ in range(_EDGE_LINES + 1):
        if lines and (_edge_key(lines[-1]) in running or _PAGE_NUMBER.match(lines[-1])):
            lines.pop()
    return lines


def _page_paragraphs(lines: list[str]) -> list[str]:
    """Lines of one page into paragraphs.

    Wrapped lines of a paragraph run nearly the full width, so a blank line, or a line that the
    next line does not continue in lower case and that is clearly shorter than the page's longest
    or ends a sentence, ends a paragraph; this also keeps headings and list items on their own.
    """
    longest = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for i, line in enumerate(lines):
        if not line:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if current.endswith("-") and len(current) > 1 and current[-2].isalpha() and line[:1].islower():
            current = current[:-1] + line  # a word hyphenated at the line end
        else:
            current = f"{current} {line}" if current else line
        following = lines[i + 1] if i + 1 < len(lines) else ""
        # a wrapped line that happens to end a sentence also splits: a paragraph cut in two costs
        # nothing, two paragraphs run together would make passages straddle topics
        if not following[:1].islower() and (len(line) < 0.8 * longest or line.endswith((".", "!", "?", ":"))):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return paragraphs


def _assemble_pages(page_paragraphs: list[list[str]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Join pages into one text; a sentence broken by the page break is rejoined across it."""
    text = ""
    spans: list[tuple[int, int]] = []
    for paragraphs in page_paragraphs:
        paragraphs = [p for p in (_tidy(p) for p in paragraphs) if p]
        if not paragraphs:
            spans.append((len(text), len(text)))
            continue
        if text and not text.endswith(_SENTENCE_END) and paragraphs[0][:1].islower():
            text += " "
        elif text:
            text += "\n\n"
        start = len(text)
        text += "\n\n".join(paragraphs)
        spans.append((start, len(text)))
    return text, tuple(spans)


def _ocr_page(page, path: Path, language: str) -> str:
    """The text of a scanned page: Tesseract over the page's images (a scan is one image per page)."""
    try:
        import pytesseract
    except ImportError:
        raise UnsupportedDocument(f"{path.name}: OCR is on (INSPECTQA_OCR) but pytesseract is not installed; pip install pytesseract") from None
    texts = []
    for image in page.images:
        try:
            texts.append(pytesseract.image_to_string(image.image, lang=language))
        except pytesseract.TesseractNotFoundError:
            raise UnsupportedDocument(
                f"{path.name}: OCR is on (INSPECTQA_OCR) but the tesseract program is missing; apt-get install tesseract-ocr"
            ) from None
        except pytesseract.TesseractError as exc:
            raise UnsupportedDocument(f"{path.name}: OCR failed ({exc.message.strip() or exc.status}); is tesseract-ocr-{language} installed?") from None
    return "\n\n".join(texts)


def _pdf(path: Path, ocr: str | None = None) -> ExtractedDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            # many published PDFs are "encrypted" with an empty user password just to set permissions
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - pypdf raises several types for unsupported ciphers
                opened = 0
            if not opened:
                raise UnsupportedDocument(f"{path.name}: the PDF is encrypted with a password; save an unencrypted copy")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise UnsupportedDocument(f"{path.name}: the PDF has {len(reader.pages)} pages, more than the {MAX_PDF_PAGES} accepted; split it")
        raw_pages = [page.extract_text() or "" for page in reader.pages]
        if ocr:  # only the pages with no text layer: a scanned page among typed ones is read, the rest are not
            raw_pages = [raw if raw.strip() else _ocr_page(page, path, ocr) for raw, page in zip(raw_pages, reader.pages)]
        info = reader.metadata
        title = _tidy(str(info.title)) if info and info.title else None
    except UnsupportedDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise UnsupportedDocument(f"{path.name}: the PDF is corrupt or unreadable ({exc.__class__.__name__}: {exc})") from None
    pages = [[_tidy(line) for line in raw.splitlines()] for raw in raw_pages]
    pages = [[line for i, line in enumerate(lines) if line or (0 < i < len(lines) - 1)] for lines in pages]
    running = _running_lines([[line for line in lines if line] for lines in pages])
    text, spans = _assemble_pages([_page_paragraphs(_strip_edges([ln for ln in lines], running)) for lines in pages])
    if not text.strip():
        hint = "no text was recognised on its pages" if ocr else "a scanned PDF needs OCR: set INSPECTQA_OCR=true (tesseract-ocr)"
        raise UnsupportedDocument(f"{path.name}: the PDF has no extractable text ({hint})")
    return ExtractedDocument(text=text, pages=spans, title=title or None, published=None)


# ---------------------------------------------------------------- HTML


def _html(path: Path) -> ExtractedDocument:
    import trafilatura

    raw = path.read_bytes()
    try:
        html = raw.decode("utf-8")
    except UnicodeDecodeError:
        html = raw.decode("latin-1")
    body = trafilatura.extract(html, output_format="txt", include_comments=False, include_tables=True, favor_precision=True)
    if not body or not body.strip():
        raise UnsupportedDocument(f"{path.name}: no main text found in the web page")
    # not extensive: a date comes from the page's markup (meta tags, canonical URL), never guessed from its text
    meta = trafilatura.extract_metadata(html, extensive=False)
    title = _tidy(meta.title) if meta and meta.title else None
    published = None
    if meta and meta.date:
        try:
            published = dt.date.fromisoformat(meta.date[:10])
        except ValueError:
            published = None
    return ExtractedDocument(text=_join_paragraphs(body.splitlines()), pages=(), title=title, published=published)


# ---------------------------------------------------------------- DOCX


def _check_zip_sizes(path: Path) -> None:
    """Refuse a .docx whose parts unpack beyond the caps. zipfile never yields more than a part's declared
    size, so the declared sizes bound what reading it can cost."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            sizes = [info.file_size for info in archive.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsupportedDocument(f"{path.name}: the Word file is corrupt or not a .docx ({exc.__class__.__name__}: {exc})") from None
    if any(size > MAX_DOCX_ENTRY_BYTES for size in sizes) or sum(sizes) > MAX_DOCX_TOTAL_BYTES:
        raise UnsupportedDocument(
            f"{path.name}: the Word file unpacks to {sum(sizes) // (1024 * 1024)} MiB, beyond the "
            f"{MAX_DOCX_ENTRY_BYTES // (1024 * 1024)} MiB a part / {MAX_DOCX_TOTAL_BYTES // (1024 * 1024)} MiB in all accepted"
        )


def _docx(path: Path) -> ExtractedDocument:
    import zipfile

    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _check_zip_sizes(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError) as exc:  # XMLSyntaxError is a SyntaxError
        raise UnsupportedDocument(f"{path.name}: the Word file is corrupt or not a .docx ({exc.__class__.__name__}: {exc})") from None
    paragraphs: list[str] = []
    first_heading = None
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(block, document)
            paragraphs.append(para.text)
            style = (para.style.name if para.style is not None else "") or ""
            if first_heading is None and para.text.strip() and (style.startswith("Heading") or style == "Title"):
                first_heading = _tidy(para.text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = _tidy(cell.text)
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                paragraphs.append(" | ".join(cells))
    text = _join_paragraphs(paragraphs)
    if not text:
        raise UnsupportedDocument(f"{path.name}: the Word file holds no text")
    title = _tidy(document.core_properties.title or "") or first_heading
    return ExtractedDocument(text=text, pages=(), title=title or None, published=None)


# ---------------------------------------------------------------- text


def _plain(path: Path) -> ExtractedDocument:
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnsupportedDocument(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    blocks = re.split(r"\n\s*\n", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = _join_paragraphs(blocks)
    if not text:
        raise UnsupportedDocument(f"{path.name}: the file is empty")
    first = text.split("\n", 1)[0]
    title = _tidy(first.lstrip("#"))[:200] or None
    return ExtractedDocument(text=text, pages=(), title=title, published=None)


# ---------------------------------------------------------------- Markdown

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")
_MD_SETEXT = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
_MD_RULE = re.compile(r"^\s{0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_MD_FENCE = re.compile(r"^\s{0,3}(?:```|~~~)")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_BULLET = re.compile(r"^\s*[-*+]\s+")
_MD_NUMBERED = re.compile(r"^\s*\d{1,3}[.)]\s+")
_MD_REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+")
# inline marks, in order: images and links keep their words, emphasis and code keep their text
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"<((?:https?://|mailto:)[^>\s]+)>"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])"), r"\1"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"`+([^`]+?)`+"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|~])"), r"\1"),
)


def _md_inline(line: str) -> str:
    for pattern, replacement in _MD_INLINE:
        line = pattern.sub(replacement, line)
    return line


def strip_markdown(raw: str) -> tuple[list[str], str | None]:
    """(paragraphs, first heading) of Markdown source, its marks removed: text as a reader sees it.

    Headings and list items become paragraphs of their own (as in the extracted text of other
    formats); link and image syntax keeps its words and drops the address; emphasis and code marks
    go. Offsets are then taken in the text these paragraphs make, like any other document's.
    """
    paragraphs: list[str] = []
    current: list[str] = []
    heading = None
    in_code = False

    def close() -> None:
        if current:
            paragraphs.append(" ".join(current))
            current.clear()

    for line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _MD_FENCE.match(line):
            close()
            in_code = not in_code
            continue
        if in_code:
            current.append(line)
            continue
        if not line.strip():
            close()
            continue
        if _MD_SETEXT.match(line) and current:
            text = " ".join(current)
            current.clear()
            paragraphs.append(text)
            heading = heading or text
            continue
        if _MD_RULE.match(line) or _MD_REFERENCE.match(line):
            close()
            continue
        line = _MD_QUOTE.sub("", line)
        if match := _MD_HEADING.match(line):
            close()
            text = _md_inline(match.group(1))
            paragraphs.append(text)
            heading = heading or _tidy(text)
            continue
        if _MD_BULLET.match(line) or _MD_NUMBERED.match(line):
            close()
            line = _MD_BULLET.sub("", line)
        current.append(_md_inline(line))
    close()
    return paragraphs, heading


def _markdown(path: Path) -> ExtractedDocument:
    try:
        raw = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnsupportedDocument(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    paragraphs, heading = strip_markdown(raw)
    text = _join_paragraphs(paragraphs)
    if not text:
        raise UnsupportedDocument(f"{path.name}: the file is empty")
    title = (heading or text.split("\n", 1)[0])[:200] or None
    return ExtractedDocument(text=text, pages=(), title=title, published=None)


_EXTRACTORS = {".pdf": _pdf, ".html": _html, ".htm": _html, ".docx": _docx, ".txt": _plain, ".md": _markdown}


def extract_text(path: Path, ocr: str | None = None) -> ExtractedDocument:
    """The clean text of the file at `path`, by its type; UnsupportedDocument names the file and why not.
    `ocr`, a Tesseract language ("eng"), reads PDF pages that have no text layer (scans); None: no OCR."""
    path = Path(path)
    extractor = _EXTRACTORS.get(path.suffix.lower())
    if extractor is None:
        raise UnsupportedDocument(f"{path.name}: unsupported file type {path.suffix or '(none)'!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}")
    if not path.is_file():
        raise UnsupportedDocument(f"{path.name}: no such file")
    if extractor is _pdf:
        return _pdf(path, ocr)
    return extractor(path)


# ---------------------------------------------------------------- isolated extraction


def extract_text_isolated(path: Path, memory_bytes: int | None = None, seconds: float | None = None, ocr: str | None = None) -> ExtractedDocument:
    """`extract_text` in a child process with an address-space limit and a deadline, for files from outside
    (uploads, `corpus add`): a parser bug or a bomb the caps miss costs that process, not the service."""
    import json
    import subprocess
    import sys

    path = Path(path)
    memory = memory_bytes or EXTRACT_MEMORY_BYTES
    deadline = seconds or EXTRACT_SECONDS
    command = [sys.executable, "-m", "index.ingest.extract_worker", str(memory), str(path)] + ([ocr] if ocr else [])
    try:
        done = subprocess.run(command, capture_output=True, timeout=deadline, check=False, cwd=Path(__file__).resolve().parents[2])
    except subprocess.TimeoutExpired:
        raise UnsupportedDocument(f"{path.name}: reading it took longer than {deadline:g} s; the file may be damaged or built to overload the reader") from None
    try:
        result = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        result = None
    if done.returncode != 0 or not isinstance(result, dict):
        raise UnsupportedDocument(
            f"{path.name}: reading it failed or needed more than {memory // (1024 * 1024)} MiB; the file may be damaged or built to overload the reader"
        )
    if "error" in result:
        raise UnsupportedDocument(result["error"])
    published = dt.date.fromisoformat(result["published"]) if result.get("published") else None
    return ExtractedDocument(result["text"], tuple((int(a), int(b)) for a, b in result["pages"]), result.get("title"), published)
