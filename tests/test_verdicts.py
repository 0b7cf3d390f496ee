"""The final-verdict reader: layers (explicit cue, correction, opening word, keywords, extension),
negation, idioms, and the reference vocabularies it reproduces."""

from __future__ import annotations

import pytest

from sciReason.verdicts import BIO, BOOLEAN, GUE, PEER, TRUE_FALSE, read_verdict


@pytest.mark.parametrize(
    ("text", "vocab", "label", "layer"),
    [
        ("The answer is No", PEER, "no", "explicit"),
        ("Therefore, the sequence is not positive.", BIO, "no", "explicit"),
        ("No, wait - yes, it does.", BOOLEAN, "yes", "correction/leading"),
        ("Yes, because no other mechanism explains it", BOOLEAN, "yes", "leading"),
        ("shows no affinity", BIO, "no", "keywords"),
        ("carries the motif", BIO, "yes", "extension"),
        ("It cannot be found", GUE, "no", "keywords"),
        ("This may be true", TRUE_FALSE, "maybe", "keywords"),
    ],
)
def test_layers(text, vocab, label, layer) -> None:
    v = read_verdict(text, vocab)
    assert (v.label, v.layer) == (label, layer)


def test_an_opening_adjective_is_not_a_verdict() -> None:
    # "Positive regulatory elements" is not the verdict "Positive."; the keyword rule decides (absent)
    assert read_verdict("Positive regulatory elements are absent.", BIO).label == "no"
    assert read_verdict("Positive.", BIO).layer == "leading"
    assert read_verdict("No binding site is present.", BIO).label == "no"


def test_idioms_do_not_negate() -> None:
    assert read_verdict("No doubt, the antibody binds.", BIO).label == "yes"
    assert read_verdict("Without any doubt it shows binding.", BIO).label == "yes"


def test_words_ending_in_nt_are_not_negators() -> None:
    # "present", "significant" end in -nt but do not negate the keyword after them
    assert read_verdict("A significant signal is present, positive overall.", BIO).label == "yes"


def test_keyword_with_trailing_space_needs_a_following_word() -> None:
    # the reference's "contains " keyword: "contains the" matches, a final "contains." does not
    assert read_verdict("The sequence contains the motif", BIO).layer == "keywords"
    assert read_verdict("It contains.", BIO).layer == "extension"


def test_undecidable_replies() -> None:
    assert read_verdict("", BOOLEAN).reason == "empty answer"
    assert read_verdict("I don't know", BOOLEAN).reason == "the model says it does not know"
    assert read_verdict("The weather is nice", BOOLEAN).label is None
