"""The gold-quote matching rule, on hand-worked cases: most of the quote, contiguous, after folding."""

from eval.matching import MIN_SHARE, longest_shared_run, normalise, quote_found

# 100 characters exactly, so shares read as character counts
QUOTE = "Inspectors found that managers do not have a clear understanding of the quality of practice at all.."
assert len(QUOTE) == 100


def test_the_share_is_the_fraction_of_the_quote_that_must_survive():
    half = "Previous sentence. " + QUOTE[:50]
    assert quote_found(QUOTE, half, min_share=0.5)
    assert not quote_found(QUOTE, half, min_share=0.51)
    assert not quote_found(QUOTE, half)  # the default share asks for more than half
    assert quote_found(QUOTE, "Previous sentence. " + QUOTE[: int(MIN_SHARE * len(QUOTE))])


def test_a_quote_inside_a_passage_is_found():
    assert quote_found(QUOTE, f"Overview\n\n{QUOTE} Further work is needed.")


def test_case_curly_quotes_dashes_and_white_space_are_folded():
    quote = "The council’s “front door” – the MASH – is not effective."
    text = "THE COUNCIL'S   \"FRONT\n DOOR\" - the mash - IS NOT EFFECTIVE."
    assert normalise(quote) == normalise(text)
    assert quote_found(quote, text)


def test_a_quote_cut_by_a_chunk_edge_counts_when_sixty_percent_survives():
    # the passage ends 60 characters into the quote: exactly the share asked for
    assert longest_shared_run(QUOTE, "Previous sentence. " + QUOTE[:60]) == 60
    assert quote_found(QUOTE, "Previous sentence. " + QUOTE[:60])
    # the passage starts 41 characters into the quote: 59 survive, one short
    assert not quote_found(QUOTE, QUOTE[41:] + " Next sentence.")


def test_the_share_must_be_one_contiguous_run():
    # both halves are present, but apart: neither alone is 60% of the quote
    text = QUOTE[:50] + " [a different sentence in between] " + QUOTE[50:]
    assert longest_shared_run(QUOTE, text) < 60
    assert not quote_found(QUOTE, text)


def test_an_unrelated_passage_does_not_hold_the_quote():
    assert not quote_found(QUOTE, "Children in care are visited regularly and their plans are up to date.")


def test_empty_quote_or_text_never_matches():
    assert not quote_found("", "anything at all")
    assert not quote_found("   ", "anything at all")
    assert not quote_found(QUOTE, "")
