"""Ranking ties on the value: the margin past the target's thresholds is the secondary key."""

from __future__ import annotations


def test_ties_on_the_value_rank_by_margin_in_selection_and_best():
    """80 of 500 molecules at exactly 1.0 (issue 16): the best and the population are the ones furthest
    past the thresholds, not the first ones scored."""
    from sciReason.agents.records import Record
    from sciReason.agents.selection import select_population

    recs = [Record(key=f"m{i}", call_index=i, value=1.0, margin=m) for i, m in enumerate([0.5, 2.0, 1.0], 1)]
    recs.append(Record(key="low", call_index=4, value=0.9, margin=9.0))
    assert [r.key for r in select_population(recs, 3)] == ["m2", "m3", "m1"]
    from sciReason.agents.engine import DesignResult

    assert DesignResult(recs, None, None, "budget").best.key == "m2"


def test_campaign_on_a_threshold_target_reports_the_largest_margin(fast_config):
    from sciReason.agents.engine import Campaign

    result = Campaign(fast_config(target="qed>0.3, sa<6", budget=60)).run()
    tied = [r for r in result.records if r.value == 1.0]
    assert len(tied) > 1
    assert result.best.margin == max(r.margin for r in tied) and result.best.margin > 0


def test_pareto_front_equals_the_first_front_of_the_full_sort():
    """The one-sweep front is the full non-dominated sort's first front, ties and duplicates included."""
    import random

    from sciReason.agents.records import Record
    from sciReason.agents.selection import non_dominated_fronts, pareto_front

    rng = random.Random(3)
    for dims in (2, 3):
        recs = [
            Record(f"m{i}", i, 0.5, tuple(round(rng.random(), 1) for _ in range(dims))) for i in range(300)
        ]
        recs.append(Record("none", 301, None, (1.0,) * dims))  # unscored: never on the front
        expected = [r.key for r in non_dominated_fronts([r for r in recs if r.value is not None])[0]]
        got = [r.key for r in pareto_front(recs)]
        assert got == expected and len(got) >= 2
