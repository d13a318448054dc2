"""Which local authority a document is about, found from its own text, with how it was found.

Pure: text in, (authority, how) out. Tried in order, the first that finds a name wins:
1. `addressee`: a letter's addressee block, a line of its own near the top naming a council
   ("Brackenridge Metropolitan Borough Council", "Wakefield Council").
2. `council-mention`: the council the text names most often ("Wakefield Council", "Wakefield Councils
   Children's Services", "Northmoor County Council"; a tie goes to the one named first).
3. `services-mention`: the place whose children's services the text names most often ("Wakefield's
   children's services", "children's services in Wakefield", "Monitoring visit of Wakefield children's ...").
`documents.yaml` (or `inspectqa corpus add --authority`) sets it outright (`documents.yaml`); with none of
these the authority is None (`not-found`): such documents are compared with each other only, never with a
document whose authority is known.
No list of place names is used: the name is the words the document puts before "Council" or "children's services".
"""

from __future__ import annotations

import re
from collections import Counter

_NAME = r"[A-Z][a-z]+(?:[ -](?:upon|on|under|le)?[ -]?[A-Z][a-z]+){0,2}"
_TIER = r"(?:(?:Metropolitan |Royal )?(?:Borough|District|County|City)(?: Borough| District)? |Metropolitan |Borough |District |City |County )?"
_COUNCIL = re.compile(rf"\b(?P<name>{_NAME}) {_TIER}Council(?:'?s)?\b")
_ADDRESSEE = re.compile(rf"^(?:The )?(?P<name>{_NAME}) {_TIER}Council\s*$", re.M)
_SERVICES = re.compile(
    rf"\b(?P<a>{_NAME})(?:['’]s)? (?:children['’]s (?:and young people['’]s )?(?:social care )?services)"
    rf"|\bchildren['’]s (?:social care )?services (?:in|at) (?P<b>{_NAME})\b"
)
# words a council name never is, though they start a capitalised phrase before "Council" or "children's services"
_NOT_NAMES = frozenset(
    "The A An Our Your Their This That Local County City Borough District Town Parish Metropolitan Ofsted Inspection Monitoring "
    "Focused Visit Report Letter Council Children Cabinet Leader Member Director Deputy Chief Executive Services Improvement Dear".split()
)
_TIER_WORDS = frozenset("Metropolitan Royal Borough District County City".split())
_HEAD_LINES = 40  # an addressee block sits in a letter's first lines


def _clean(name: str) -> str | None:
    words = name.split()
    while words and words[0] in _NOT_NAMES:
        words = words[1:]
    while words and words[-1] in _TIER_WORDS:  # "Northmoor County" Council: the authority is Northmoor
        words = words[:-1]
    return " ".join(words) or None


def _matched_name(m: re.Match) -> str:
    return next(v for v in m.groupdict().values() if v)


def find_authority(text: str) -> tuple[str | None, str]:
    """(authority, how it was found): see the module docstring for the order of the rules."""
    head = "\n".join(text.splitlines()[:_HEAD_LINES])
    for m in _ADDRESSEE.finditer(head):
        if name := _clean(m["name"]):
            return name, "addressee"
    for rx, how in ((_COUNCIL, "council-mention"), (_SERVICES, "services-mention")):
        names = [n for m in rx.finditer(text) if (n := _clean(_matched_name(m)))]
        if names:
            counts = Counter(names)
            best = max(counts.values())
            return next(n for n in names if counts[n] == best), how
    return None, "not-found"


