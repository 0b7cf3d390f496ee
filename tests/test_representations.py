"""Sequence inputs are checked as given against the task's alphabet, and the error names the letters."""

from __future__ import annotations

import pytest

from sciReason.backends import ScriptedBackend
from sciReason.client import Client
from sciReason.errors import InvalidSequenceError, ItemError
from sciReason.representations import normalize_sequence, require_sequence
from sciReason.tasks import list_tasks


@pytest.mark.parametrize(
    ("seq", "named", "hint"),
    [
        ("HELLO WORLD", "' ', 'O'", "remove the spaces"),
        ("msk gee", "' ', 'e', 'g', 'k', 'm', 's'", "upper-case it"),
        ("MKT1", "'1'", "allowed: ACDEFGHIKLMNPQRSTVWY"),
        ("MKTX", "'X'", "X is allowed only by tasks whose data use extended letters"),
        ("MKT\nAY", "'\\n'", "remove the spaces and line breaks"),
    ],
)
def test_protein_input_outside_the_standard_alphabet_is_named(seq: str, named: str, hint: str) -> None:
    with pytest.raises(InvalidSequenceError) as err:
        require_sequence(seq, "protein")
    message = str(err.value)
    assert f"outside the standard protein alphabet: {named} " in message
    assert hint in message


def test_standard_sequences_pass_unchanged_and_outer_whitespace_is_ignored() -> None:
    assert require_sequence("  MKTAYIAKQR\n", "protein") == "MKTAYIAKQR"
    assert require_sequence("ACGTACGT", "dna") == "ACGTACGT"
    assert require_sequence("ACGU", "rna") == "ACGU"
    with pytest.raises(InvalidSequenceError, match="'U'"):
        require_sequence("ACGU", "dna")
    with pytest.raises(InvalidSequenceError, match="empty protein sequence"):
        require_sequence("   ", "protein")


def test_extended_letters_only_where_allowed_and_normalising_is_explicit() -> None:
    assert require_sequence("MKTXU", "protein", extended=True) == "MKTXU"
    assert require_sequence("ACGTN", "dna", extended=True) == "ACGTN"
    with pytest.raises(InvalidSequenceError, match="outside the protein alphabet: '1'"):
        require_sequence("MKTX1", "protein", extended=True)
    assert require_sequence(normalize_sequence("msk gee"), "protein") == "MSKGEE"


def test_tasks_choose_their_alphabet() -> None:
    opi = [s for s in list_tasks(domain="protein") if s.group.startswith("OPI")]
    peer = [s for s in list_tasks(domain="protein") if s.group == "PEER" and s.input_kind == "protein"]
    assert opi and all(s.extended_alphabet for s in opi)
    assert peer and not any(s.extended_alphabet for s in peer)


def test_client_rejects_bad_protein_input_before_the_model_is_called() -> None:
    client = Client(ScriptedBackend("<BOOLEAN> Yes </BOOLEAN>"))
    peer = next(s for s in list_tasks(domain="protein") if s.group == "PEER" and s.input_kind == "protein")
    with pytest.raises(InvalidSequenceError, match="'O'"):
        client.classify("HELLO WORLD", task=peer.id)
    out = client.classify(["MKTAYIAKQR", "msk gee"], task=peer.id)
    assert out[0].valid and isinstance(out[1], ItemError) and "upper-case it" in out[1].message
    assert len(client.backend.requests) == 1


def test_huge_smiles_is_refused_before_rdkit_sees_it() -> None:
    """RDKit's canonicaliser crashes the process on chains of ~20,000 atoms: refuse them with a message."""
    from sciReason.representations import MAX_SMILES_CHARS, require_smiles

    with pytest.raises(InvalidSequenceError, match=f"has 20000 characters, more than the {MAX_SMILES_CHARS}"):
        require_smiles("C" * 20000)
