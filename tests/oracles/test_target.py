"""The target language: parsing, desirabilities, Pareto flag, and an error at the bad token for every malformed string."""

from __future__ import annotations

import math

import pytest
from rdkit import Chem
from rdkit.Chem import QED, Descriptors

from sciReason.errors import ConfigError, TargetSyntaxError
from sciReason.oracles import CompositeObjective, Objective, Oracle, parse_target
from sciReason.oracles.modifiers import AtLeast, AtMost, Between, Identity, Near, Rescale
from sciReason.testing.oracles import check_objective

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
ISSUE_EXAMPLE = "qed>0.8, sa<3, logp=2..3, sim(CC(=O)Oc1ccccc1C(=O)O)>0.4"


def test_issue_example_parses_and_scores() -> None:
    obj = parse_target(ISSUE_EXAMPLE)
    assert isinstance(obj, CompositeObjective) and isinstance(obj, Objective) and isinstance(obj, Oracle)
    assert isinstance(parse_target("pmo:qed"), Objective)
    assert obj.term_names == ("qed", "sa", "logp", f"sim({ASPIRIN})")
    assert obj.domain == "molecule" and obj.multi_objective is False
    transforms = [t.transform for t in obj.terms]
    assert transforms == [AtLeast(0.8, 0.1), AtMost(3.0, 1.0), Between(2.0, 3.0, 1.0), AtLeast(0.4, 0.1)]
    rec = obj.score([ASPIRIN])[0]
    mol = Chem.MolFromSmiles(ASPIRIN)
    assert rec.terms["qed"] == pytest.approx(QED.qed(mol))
    assert rec.terms["logp"] == pytest.approx(Descriptors.MolLogP(mol))
    assert rec.terms[f"sim({ASPIRIN})"] == pytest.approx(1.0)
    q = math.exp(-0.5 * ((QED.qed(mol) - 0.8) / 0.1) ** 2)
    lp = math.exp(-0.5 * ((Descriptors.MolLogP(mol) - 2.0) / 1.0) ** 2)
    assert rec.desirabilities == pytest.approx((q, 1.0, lp, 1.0))  # SA of aspirin ~1.6 < 3
    assert rec.value == pytest.approx((q * lp) ** 0.25)
    check_objective(obj, valid=[ASPIRIN, "c1ccccc1O"], invalid=["C1CC", "(("])


def test_bare_terms_weights_and_scales() -> None:
    obj = parse_target("qed, sa*2, tpsa=90~5")
    assert [t.transform for t in obj.terms] == [Identity(), Rescale(10.0, 1.0), Near(90.0, 5.0)]
    assert [t.weight for t in obj.terms] == [1.0, 2.0, 1.0]
    rec = obj.score(["CCO"])[0]
    d = rec.desirabilities
    assert rec.value == pytest.approx((d[0] * d[1] ** 2 * d[2]) ** 0.25)
    assert d[1] == pytest.approx((10 - rec.terms["sa"]) / 9)


def test_whitespace_and_case_are_ignored() -> None:
    a = parse_target(" QED > 0.8 ,  LogP = 2 .. 3 ")
    assert a.term_names == ("qed", "logp")
    assert a(["CCO"]) == parse_target("qed>0.8,logp=2..3")(["CCO"])


def test_pareto_prefix_and_flag() -> None:
    assert parse_target("pareto:qed, sa<3").multi_objective is True
    assert parse_target("qed, sa<3", pareto=True).multi_objective is True
    with pytest.raises(TargetSyntaxError, match="at least two"):
        parse_target("pareto:qed")
    multi = parse_target("pareto:pmo:osimertinib_mpo")
    assert multi.multi_objective is True and len(multi.term_names) == 4
    assert parse_target("pmo:osimertinib_mpo").multi_objective is False  # the shared instance is untouched
    with pytest.raises(TargetSyntaxError, match="at least two"):
        parse_target("pareto:pmo:qed")


def test_pmo_and_other_prefixes() -> None:
    assert parse_target("pmo:celecoxib_rediscovery").name == "celecoxib_rediscovery"
    assert parse_target("pmo: qed").name == "qed"


def test_repeated_property_gets_distinct_term_names() -> None:
    obj = parse_target("logp>1, logp<3")
    assert obj.term_names == ("logp", "logp<3")


def test_protein_prefix_validates_sequences() -> None:
    obj = parse_target("protein:gravy<0,pi=6..8")
    assert obj.domain == "protein" and obj.name.startswith("protein:")
    recs = obj.score(["MKTAYIAKQRQISFVKSHFSRQ", "MK1Z?"])
    assert recs[0].value is not None and recs[1].value is None


def test_mixing_domains_is_an_error() -> None:
    with pytest.raises(TargetSyntaxError) as info:
        parse_target("qed>0.5, gravy<0")
    assert info.value.token == "gravy"


@pytest.mark.parametrize(
    ("text", "token", "phrase"),
    [
        ("qed>", " ", "expected a number"),
        ("qed>abc", "abc", "expected a number"),
        ("qed>0.8,,sa<3", ",", "empty term"),
        ("qed>0.8,", ",", "empty term"),
        ("", " ", "empty target"),
        ("   ", "   ", "empty target"),
        ("qde>0.8", "qde", "did you mean qed"),
        ("logp", "logp", "no natural 0..1 scale"),
        ("sim(CCO", "(", "unclosed"),
        ("sim(CCO))", ")", "unbalanced"),
        ("sim(xyz)>0.4", "sim(xyz)", "not a valid SMILES"),
        ("sim(CCO, fp=bogus)>0.4", "sim(CCO, fp=bogus)", "unknown fingerprint"),
        ("sim()>0.4", ")", "empty argument"),
        ("smarts([C)>0", "[", "unclosed"),
        ("foo:bar", "foo", "unknown prefix"),
        ("pmo:celecoxib", "celecoxib", "celecoxib_rediscovery"),
        ("qed>0.8 sa<3", "sa<3", "unexpected"),
        ("logp=3..1", "=3..1", "empty range"),
        ("logp=2..", " ", "upper end"),
        ("qed>0.8~0", "0", "positive"),
        ("qed>0.8*-1", "-1", "positive"),
        ("3>qed", "3>qed", "property name"),
        ("qed>0.8, sa<3, qed>0.8", "qed>0.8", "twice"),
    ],
)
def test_malformed_targets_point_at_the_bad_token(text: str, token: str, phrase: str) -> None:
    with pytest.raises(TargetSyntaxError) as info:
        parse_target(text)
    err = info.value
    assert isinstance(err, ConfigError)
    assert phrase in str(err)
    assert err.token.strip() == token.strip() or token.strip() in err.token
    assert err.text == text or not err.text
    if text.strip():
        assert text[err.position :].startswith(err.token.strip()[:1]) or not err.token.strip()
        caret_line = str(err).splitlines()[-1]
        assert caret_line.index("^") - 2 == err.position


def test_non_string_target() -> None:
    with pytest.raises(TargetSyntaxError):
        parse_target(42)  # type: ignore[arg-type]


def test_threshold_ties_are_ranked_by_the_margin_past_the_thresholds() -> None:
    """`>`: as high as possible (the margin past the threshold is the secondary key); `>=`: at least."""
    mols = ["CCO", "CC(=O)Oc1ccccc1C(=O)O", "c1ccccc1O"]  # all have QED > 0.3 and SA < 6
    beyond = parse_target("qed>0.3, sa<6").score(mols)
    assert all(s.value == 1.0 for s in beyond)  # a tie on the value ...
    for s in beyond:  # ... broken by the summed distances past the thresholds, in units of the scales
        expect = (s.terms["qed"] - 0.3) / 0.1 + (6 - s.terms["sa"]) / 1.0
        assert s.margin == pytest.approx(expect)
    assert len({round(s.margin, 9) for s in beyond}) == 3
    at_least = parse_target("qed>=0.3, sa<=6").score(mols)
    assert [s.value for s in at_least] == [1.0] * 3 and all(s.margin == 0.0 for s in at_least)
    mixed = parse_target("qed>0.3, sa<=6").score(mols)
    assert [s.margin for s in mixed] == pytest.approx([(s.terms["qed"] - 0.3) / 0.1 for s in mixed])
    assert parse_target("qed>0.3 * 2").score(["CCO"])[0].margin == pytest.approx(
        2 * beyond[0].margin - 2 * (6 - beyond[0].terms["sa"])
    )
    assert parse_target("logp=1..3, qed").score(["CCO"])[0].margin == 0.0  # ranges and bare terms add nothing
    assert parse_target("qed>0.3").score(["C1CC"])[0].margin == 0.0  # unscorable
    assert AtLeast(0.3, 0.1).describe().endswith("higher breaks ties")
    assert not AtMost(3, 1, beyond=False).describe().endswith("ties")
