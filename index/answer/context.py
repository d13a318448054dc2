"""What a candidate sentence may draw on, read from one loaded index: its neighbours, its document's title,
date and the dates the whole document names (the support check, support.py, is pure and takes these texts)."""

from __future__ import annotations

import threading
from collections import OrderedDict

from index.answer.support import SentenceContext, dates_named
from index.build.chunk import Sentence
from index.build.store import InspectionIndex


def sentence_context(index: InspectionIndex, sentence: Sentence, with_dates: bool = True) -> SentenceContext:
    """What `sentence` may draw on; `with_dates=False` leaves out the dates its whole document names (for a
    question no document date can answer: see `draws_on_document_dates`)."""
    doc = index.documents.metadata(sentence.doc_id)
    around = [i for i in (sentence.sentence_id - 1, sentence.sentence_id + 1) if 0 <= i < len(index.sentences)]
    neighbours = tuple(s.text for s in index.sentences.many(around) if s.doc_id == sentence.doc_id)
    dates = _document_dates(index, sentence.doc_id) if with_dates else frozenset()
    return SentenceContext(sentence.text, neighbours, doc.title, doc.published, dates)


# (index path, build time, doc_id) -> the years and months the document names; a document's text is decoded and read
# once, not each time one of its sentences is checked (at 1M passages most questions meet new documents,
# and a report's text is tens of kilobytes); bounded, and keyed by what identifies the text, not the text
_DATES: OrderedDict[tuple[str, str, str], frozenset[str]] = OrderedDict()
_DATES_KEPT = 4096
_DATES_LOCK = threading.Lock()


def _document_dates(index: InspectionIndex, doc_id: str) -> frozenset[str]:
    key = (str(index.path), index.manifest.built_at, doc_id)
    with _DATES_LOCK:
        if key in _DATES:
            _DATES.move_to_end(key)
            return _DATES[key]
    dates = dates_named(index.documents[doc_id].text)
    with _DATES_LOCK:
        _DATES[key] = dates
        while len(_DATES) > _DATES_KEPT:
            _DATES.popitem(last=False)
    return dates
