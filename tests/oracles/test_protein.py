"""Protein oracles: ProtParam properties, motif/composition constraints, registry and target integration."""

from __future__ import annotations

import pytest

from sciReason.errors import OracleError
from sciReason.oracles.base import Oracle
from sciReason.oracles.protein import PROTEIN_ORACLES, RESIDUE_GROUPS, prosite_to_regex, protein_oracle

UBIQUITIN = "MQIFVKTLTGKTITLEVEPSDTIENVKAKIQDKEGIPPDQQRLIFAGKQLEDGRTLSDYNIQKESTLHLVLRLRGG"

# Kyte & Doolittle (1982) hydropathy, typed from the paper (independent of biopython's table).
KYTE_DOOLITTLE = {
    "A": 1.8, "R": -4.5, "N": -3.5, "D": -3.5, "C": 2.5, "Q": -3.5, "E": -3.5, "G": -0.4, "H": -3.2, "I": 4.5,
    "L": 3.8, "K": -3.9, "M": 1.9, "F": 2.8, "P": -1.6, "S": -0.8, "T": -0.7, "W": -0.9, "Y": -1.3, "V": 4.2,
}  # fmt: skip


def test_every_oracle_follows_the_contract() -> None:
    batch = [UBIQUITIN, "NGSA", "MKXA", "", None, "mk ta\n"]
    for name in PROTEIN_ORACLES:
        args = {"motif": ("NG",), "composition": ("DE",), "maxdist": ("MKTA",)}.get(name, ())
        oracle = protein_oracle(name, *args)
        assert isinstance(oracle, Oracle) and oracle.domain == "protein"
        assert oracle.direction in ("maximize", "minimize") and oracle.description
        out = oracle(batch)  # type: ignore[arg-type]
        assert len(out) == len(batch)
        assert isinstance(out[0], float) and isinstance(out[1], float) and isinstance(out[5], float)
        assert out[3] is None and out[4] is None  # empty string, not a string
        assert out[2] is None if oracle.standard_only else isinstance(out[2], float)


def test_gravy_matches_kyte_doolittle() -> None:
    expected = sum(KYTE_DOOLITTLE[a] for a in UBIQUITIN) / len(UBIQUITIN)
    assert protein_oracle("gravy")([UBIQUITIN, "A", "R"]) == [pytest.approx(expected), 1.8, -4.5]
    assert expected == pytest.approx(-0.489, abs=1e-3)  # ExPASy ProtParam value for human ubiquitin


def test_ubiquitin_protparam_values() -> None:
    assert protein_oracle("mw")([UBIQUITIN])[0] == pytest.approx(8564.8, abs=0.2)  # ExPASy: 8564.84 Da
    pi = protein_oracle("pi")([UBIQUITIN])[0]
    assert pi == pytest.approx(6.56, abs=0.01)  # ExPASy theoretical pI
    assert protein_oracle("charge", ph=pi)([UBIQUITIN])[0] == pytest.approx(0.0, abs=0.01)  # pI = zero charge
    instability = protein_oracle("instability")([UBIQUITIN])[0]
    assert instability is not None and instability < 40  # predicted stable
    assert protein_oracle("length")([UBIQUITIN]) == [76.0]


def test_simple_properties_by_counting() -> None:
    seq = "FWYAAVILMNPGSE"
    assert protein_oracle("aromaticity")([seq]) == [pytest.approx(3 / 14)]
    # biopython >= 1.82 sets: helix EMALK, turn NPGSD, sheet VIYFWLT
    assert protein_oracle("helix")([seq]) == [pytest.approx(5 / 14)]  # A A L M E
    assert protein_oracle("turn")([seq]) == [pytest.approx(4 / 14)]  # N P G S
    assert protein_oracle("sheet")([seq]) == [pytest.approx(6 / 14)]  # F W Y V I L
    assert protein_oracle("mw")(["G"]) == [pytest.approx(75.07, abs=0.01)]
    assert protein_oracle("mw", monoisotopic=True)(["G"]) == [pytest.approx(75.032, abs=0.001)]
    charge = protein_oracle("charge", ph=7.4)
    pos, neg = charge(["KKKKRR", "DDDEEE"])
    assert pos is not None and neg is not None and pos > 4 and neg < -4
    with pytest.raises(ValueError, match="pH"):
        protein_oracle("charge", ph=15)


def test_motif_counts_overlapping_and_prosite() -> None:
    assert protein_oracle("motif", "AA")(["AAAA", "CAC"]) == [3.0, 0.0]
    assert protein_oracle("motif", "AA", mode="present")(["AAAA", "CAC"]) == [1.0, 0.0]
    glyco = protein_oracle("motif", "N-{P}-[ST]-{P}")
    assert glyco(["NGSANLTA", "NPSA", "NGTP", "MNKTW"]) == [2.0, 0.0, 0.0, 1.0]
    assert protein_oracle("motif", "N[^P][ST][^P]")(["NGSANLTA"]) == [2.0]
    assert protein_oracle("motif", "<M-x(2)-K")(["MAAK", "AMAAK"]) == [1.0, 0.0]
    assert prosite_to_regex("C-x(2,4)-C-x-[DE]>") == "C.{2,4}C.[DE]$"
    assert prosite_to_regex("[ST]-x-[RK>].") == "[ST].(?:[RK]|$)"
    with pytest.raises(ValueError, match="regular expression"):
        protein_oracle("motif", "N[P")
    with pytest.raises(ValueError, match="not an element"):
        prosite_to_regex("N-?-S")
    with pytest.raises(ValueError, match="mode"):
        protein_oracle("motif", "NG", mode="sum")


def test_composition_letters_and_groups() -> None:
    assert protein_oracle("composition", "DE")(["DDEA", "AAAA"]) == [0.75, 0.0]
    assert protein_oracle("composition", "charged")(["DKAA"]) == [0.5]
    assert set(RESIDUE_GROUPS["hydrophobic"]) <= set("ACDEFGHIKLMNPQRSTVWY")
    with pytest.raises(ValueError, match="group"):
        protein_oracle("composition", "12")
    with pytest.raises(OracleError, match="unknown protein oracle"):
        protein_oracle("hydrophobicity")


def test_protein_target_through_registry() -> None:
    from sciReason.oracles.target import parse_target

    objective = parse_target("protein:gravy<0, instability<40, motif(N-{P}-[ST]-{P})>=1, composition(DE)<0.3")
    assert objective.domain == "protein"
    good, bad, invalid = objective.score([UBIQUITIN + "NGTA", "IVLIVLIVL", "MKX*"])
    assert good.value is not None and good.value > 0.9
    assert bad.value is not None and bad.value < good.value
    assert invalid.value is None
    assert good.terms["gravy"] == pytest.approx(protein_oracle("gravy")([UBIQUITIN + "NGTA"])[0])


def test_protein_mass_wins_inside_protein_targets() -> None:
    from sciReason.oracles.registry import get_oracle
    from sciReason.oracles.target import parse_target

    assert get_oracle("mw").domain == "molecule"  # the RDKit molecular weight keeps the plain name
    objective = parse_target("protein:mw<9000")
    assert objective.domain == "protein"
    assert objective([UBIQUITIN, UBIQUITIN * 2]) == [1.0, pytest.approx(0.0, abs=1e-6)]
    assert parse_target("protein:protein_mw<9000")([UBIQUITIN]) == [1.0]


@pytest.mark.parametrize("name", sorted(PROTEIN_ORACLES))
def test_contract_suite(name: str) -> None:
    from sciReason.testing.oracles import check_oracle

    args = {"motif": ("N-{P}-[ST]-{P}",), "composition": ("charged",), "maxdist": ("MKTA",)}.get(name, ())
    oracle = protein_oracle(name, *args)
    invalid = ["", "MK*A", "MK1"] + (["MKXA", "BZ"] if oracle.standard_only else [])
    check_oracle(oracle, valid=[UBIQUITIN, "NGSANLTA", "w"], invalid=invalid)


def test_contract_suite_on_protein_target() -> None:
    from sciReason.oracles.target import parse_target
    from sciReason.testing.oracles import check_objective

    objective = parse_target("protein:gravy<0, pi=6.0..8.0, instability<40, composition(DE)<0.3")
    check_objective(objective, valid=[UBIQUITIN, "NGSANLTA"], invalid=["", "MKX", "MK1"])


def test_maxdist_is_a_cheap_hard_limit_and_rejects_non_sequences(tmp_path) -> None:
    oracle = protein_oracle("maxdist", "MKTAYIAK")
    assert oracle(["MKTAYIAK", "MKTAYIA", "AKTAYIAKK", "mktayiak"]) == [0.0, 1.0, 2.0, 0.0]
    assert oracle.cheap and oracle.direction == "minimize"
    fasta = tmp_path / "p.fasta"
    fasta.write_text(">wt\nMKTA\nYIAK\n")
    assert protein_oracle("maxdist", str(fasta))(["MKTAYIAK"]) == [0.0]
    with pytest.raises(ValueError, match="needs a protein sequence"):
        protein_oracle("maxdist", "not/a/file.fasta")
    from sciReason.oracles import parse_target

    obj = parse_target("protein:maxdist(MKTAYIAK)<=1")
    assert obj(["MKTAYIAR", "MKTAYIRR"]) == [1.0, 0.0]  # one edit over the limit: 0, not a soft decay
