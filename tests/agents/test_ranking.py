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
