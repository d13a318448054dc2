"""report.html beside report.md: the same report as one self-contained page (charts inline, no scripts).

Open the newest one with `make report` (or `python -m eval.html_report [folder]`).
"""

from __future__ import annotations

import base64
import html
import re
import sys
import webbrowser
from pathlib import Path

HTML_FILE = "report.html"

_STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1200px; padding: 0 1rem; color: #1b1b1b; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: 13px; display: block; overflow-x: auto; }
th, td { border: 1px solid #c8c8c8; padding: .2rem .45rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td:has(> span:target) { background: #fff3b0; }
code { background: #f3f3f3; padding: 0 .2rem; border-radius: 3px; }
img { max-width: 100%; height: auto; display: block; margin: .6rem 0; }
"""

_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)$")
_ANCHOR = re.compile(r"&lt;a id=&quot;([\w-]+)&quot;&gt;&lt;/a&gt;")
_LINK = re.compile(r"\[([^\]]+)\]\((#[\w-]+)\)")


def _inline(text: str) -> str:
    """Escaped text with the report's own marks: `code`, **bold**, in-page [links](#id) and row anchors."""
    out = html.escape(text.replace("\\|", "|"), quote=True)
    out = _ANCHOR.sub(r'<span id="\1"></span>', out)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    out = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", out)
    return _LINK.sub(r'<a href="\2">\1</a>', out)


def _cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


def _image(alt: str, name: str, folder: Path) -> str:
    path = folder / name
    if "/" in name or not path.is_file():
        return f"<p><em>{html.escape(alt)}: chart not written in this run</em></p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{data}">'


def render_html(markdown: str, folder: Path) -> str:
    """The report's markdown (eval/report.py's own subset: headings, tables, bullets, images, paragraphs) as HTML,
    the charts in `folder` inlined as data: URIs."""
    body: list[str] = []
    lines = markdown.splitlines()
    i = 0
    title = "Evaluation report"
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            text = line[level:].strip()
            if level == 1:
                title = text
            body.append(f"<h{level}>{_inline(text)}</h{level}>")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            head, rest = _cells(rows[0]), [r for r in rows[1:] if not re.fullmatch(r"\|(\s*---\s*\|)+", r.replace(" ", ""))]
            body.append("<table><thead><tr>" + "".join(f"<th>{_inline(c)}</th>" for c in head) + "</tr></thead><tbody>")
            body += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in _cells(r)) + "</tr>" for r in rest]
            body.append("</tbody></table>")
        elif line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(f"<li>{_inline(lines[i][2:])}</li>")
                i += 1
            body.append("<ul>" + "".join(items) + "</ul>")
        elif _IMAGE.match(line.strip()):
            alt, name = _IMAGE.match(line.strip()).groups()
            body.append(_image(alt, name, folder))
            i += 1
        else:
            para = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("#", "|", "- ")) and not _IMAGE.match(lines[i].strip()):
                para.append(lines[i])
                i += 1
            body.append(f"<p>{_inline(' '.join(para))}</p>")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("eval/out")
    page = folder / HTML_FILE
    if not page.is_file():
        print(f"no report at {page}: run `make eval` (or `inspectqa eval --out {folder}`) first", file=sys.stderr)
        return 2
    print(page.resolve())
    if not webbrowser.open(page.resolve().as_uri()):
        print("no browser found here: open the file above", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
