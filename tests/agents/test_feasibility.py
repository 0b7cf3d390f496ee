"""The sequence feasibility helper answers the objective's question, and a crashing test is an error."""

from __future__ import annotations

import pytest

from sciReason.agents.proposers.protein import feasible
from sciReason.errors import OracleError


class _Objective:
    name = "plugin"

    def __init__(self, check):  # noqa: ANN001
        self.is_feasible = check


def test_feasible_answers_the_objectives_question() -> None:
    assert feasible(_Objective(lambda s: "W" not in s), "MKT") is True
    assert feasible(_Objective(lambda s: "W" not in s), "MWT") is False
    assert feasible(object(), "ANY") is True


def test_a_crashing_feasibility_test_is_an_error_not_false() -> None:
    def broken(seq: str) -> bool:
        raise ZeroDivisionError("division by zero")

    with pytest.raises(OracleError, match=r"plugin.is_feasible\('MKT'\) raised ZeroDivisionError"):
        feasible(_Objective(broken), "MKT")
