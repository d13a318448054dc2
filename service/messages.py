"""Error messages as an HTTP caller should read them: no server file paths, no command lines to run.

Domain errors are written for the operator at a terminal ("no index at /srv/qa/var/index; run
'inspectqa index build' to build it"), and the command line shows them as they are. A caller of the
API can neither see the server's folders nor run its commands, and a path tells an outsider how the
server is laid out; so the service edge passes every error message through `for_http_caller`, and
the full text stays in the service log for the operator.
"""

from __future__ import annotations

import re

# an absolute POSIX path of two or more parts, or a Windows one; quoted or bare
_PATH = re.compile(r"""(['"]?)(?:(?<![\w.:/])/(?:[^\s/'"`;,():]+/)+[^\s/'"`;,():]*|\b[A-Za-z]:\\[^\s'"`;,()]+)\1""")
# advice to run a command: "; run 'inspectqa index build' to rebuild it", "(an operator makes one with 'inspectqa keys add NAME')"
_COMMAND_CLAUSE = re.compile(
    r"""\s*[;,(]?\s*(?:then\s+|and\s+)?(?:run|use|try|an operator makes one with|make one with|add one with|add a key with|with)?\s*"""
    r"""['"`]inspectqa\b[^'"`]*['"`](?:\s+(?:to|and|first|again)\b[^;.)]*)?\)?""",
    re.I,
)
_OPERATOR = "the service's operator can fix this (details in the service log)"


def _basename(match: re.Match) -> str:
    path = match.group(0).strip("'\"").rstrip("/\\")
    name = re.split(r"[/\\]", path)[-1]
    return f"'{name}'" if name else "a server folder"


def for_http_caller(message: str) -> str:
    """`message` without server paths (a file keeps its own name) and without command lines to run."""
    cleaned = _COMMAND_CLAUSE.sub("", message)
    cleaned = _PATH.sub(_basename, cleaned)
    cleaned = re.sub(r"\s{2,}", " ", cleaned).strip().rstrip(";,: ")
    if cleaned != message.strip() and _OPERATOR not in cleaned:
        cleaned = f"{cleaned}; {_OPERATOR}"
    return cleaned
