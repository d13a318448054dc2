"""Cleaning keeps each document's body and drops the web-capture chrome around it."""

import pytest

from index.ingest.clean import CleaningRules, clean_text, removed_text
from index.ingest.corpus import load_corpus
from index.errors import CorpusError
from index.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def docs():
    return {d.doc_id: d for d in load_corpus(PROJECT_ROOT / "corpus")}


KEEP = {
    "childrenfirst-ofsted-serious-failures-wakefield": [
        "Ofsted identifies serious and widespread failures at Wakefield",
        "Children are supported effectively to take part in their reviews and have advocates to represent them.",
        "• Escalation to pre-proceedings where children’s circumstances do not improve quickly enough.",
    ],
    "wakefield-express-ofsted-return-2021-11": [
        "Ofsted continued to oversee the service in the months afterwards",
        "By David Spereall",
    ],
    "wakefield-express-council-failings-risk": [
        "A letter to the authority, written by Ofsted said:",
        "Coun Nadeem Ahmed, leader of the Wakefield Conservatives",
    ],
    "ofsted-monitoring-letter-2019-11": [
        "1 November 2019",
        "the purpose of which is to provide a consistent approach to learning and development",
        "I am copying this letter to the Department for Education.",
    ],
    "recruiter-blog-wakefield-new-lease-of-life": [
        "contact me here or call 01772 208 964.",
        "each team also includes a Family Support Worker and experienced Team Manager.",
    ],
}

DROP = {
    "childrenfirst-ofsted-serious-failures-wakefield": [
        "Support the",
        "Make an Enquiry",
        "Arthur Labinjo-Hughes",
        "UASC three years behind",
        "Unaccompanied asylum seeking children",
        "Read Full Story",
        "Rainsbrook",
        "Mackman",
        "closechevron-downbars",
    ],
    "wakefield-express-ofsted-return-2021-11": ["Sign up to our daily", "County Hall in Wakefield"],
    "wakefield-express-council-failings-risk": ["Hide Ad", "READ:", "Council response says", "˜"],
    "ofsted-monitoring-letter-2019-11": ["consistent\n\napproach"],
    "recruiter-blog-wakefield-new-lease-of-life": ["Accessibility Links", "Post by category", "Case Studies", "Add new comment"],
}


@pytest.mark.parametrize("doc_id", sorted(KEEP))
def test_body_text_stays(docs, doc_id):
    for phrase in KEEP[doc_id]:
        assert phrase in docs[doc_id].text, f"{doc_id} lost {phrase!r}"


@pytest.mark.parametrize("doc_id", sorted(DROP))
def test_chrome_goes(docs, doc_id):
    for phrase in DROP[doc_id]:
        assert phrase not in docs[doc_id].text, f"{doc_id} still holds {phrase!r}"


def test_paragraph_breaks_are_kept_and_tidied(docs):
    for doc in docs.values():
        assert "\n\n" in doc.text
        assert "\n\n\n" not in doc.text
        assert "\u00a0" not in doc.text
        assert doc.text == doc.text.strip()


def test_rules_apply_in_order_start_end_drop_remove():
    raw = "menu\nAd\nTitle\n\nBody one.\nHide Ad\nREAD: teaserBody two\n\nFooter\nmore footer"
    rules = CleaningRules(start_at="^Title$", end_before="^Footer$", drop_lines=("^Hide Ad$",), remove=("^READ: teaser",))
    assert clean_text(raw, rules) == "Title\n\nBody one.\nBody two"
    # what was left out, in order, so the answerer can tell a question about a teaser from one about the page
    assert removed_text(raw, rules) == ["menu", "Ad", "Hide Ad", "READ: teaser", "Footer", "more footer"]


def test_documents_keep_what_cleaning_removed_apart_from_their_text(docs):
    teaser = "READ: Council response says children are not being put at risk"
    doc = next(d for d in docs.values() if any(teaser in piece for piece in d.boilerplate))
    assert teaser not in doc.text
    assert all(piece not in d.text for d in docs.values() for piece in d.boilerplate if len(piece) > 40)


def test_broken_paragraph_is_joined_only_mid_sentence():
    rules = CleaningRules(join_broken_paragraphs=True)
    assert clean_text("to provide a consistent\n\napproach to all.\n\nNext one.", rules) == "to provide a consistent approach to all.\n\nNext one."


def test_unknown_rule_names_the_rule(tmp_path):
    (tmp_path / "a.txt").write_text("Some text.", encoding="utf-8")
    (tmp_path / "documents.yaml").write_text(
        "documents:\n  - {doc_id: doc-a, file: a.txt, title: A, kind: news, cleaning: {strip_ads: true}}\n", encoding="utf-8"
    )
    with pytest.raises(CorpusError, match="strip_ads"):
        load_corpus(tmp_path)


@pytest.mark.parametrize(
    "entry, message",
    [
        ("{doc_id: doc-a, file: missing.txt, title: A, kind: news}", "does not exist"),
        ("{doc_id: doc-a, file: a.txt, title: A, kind: Blog Posts}", "kind 'Blog Posts' is not a lower-case slug"),
        ("{doc_id: Doc A, file: a.txt, title: A, kind: news}", "slug"),
        ("{doc_id: doc-a, file: a.txt, title: A, kind: news, published: 'last spring'}", "ISO date"),
        ("{doc_id: doc-a, file: a.txt, kind: news}", "missing title"),
    ],
)
def test_bad_metadata_gets_a_clear_error(tmp_path, entry, message):
    (tmp_path / "a.txt").write_text("Some text.", encoding="utf-8")
    (tmp_path / "documents.yaml").write_text(f"documents:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        load_corpus(tmp_path)


def test_metadata_dates_are_stated_or_null(docs):
    assert str(docs["ofsted-monitoring-letter-2019-11"].published) == "2019-11-01"
    assert str(docs["wakefield-express-ofsted-return-2021-11"].published) == "2021-11-24"
    assert docs["recruiter-blog-wakefield-new-lease-of-life"].published is None
