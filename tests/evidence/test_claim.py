"""The one rule: each of its conditions can fail a claim on its own, and Holm spans a document."""

import jsonschema
import numpy as np
import pytest

from semphys.evidence import Claim, Null, check_claims, decide, markdown_table


def _null(p: float, median: float = 0.0, draws: int = 999) -> Null:
    return Null("shuffle", draws, 10, median - 1, median, median + 1, p, 1 / (1 + draws))


def _finding(**kwargs) -> Claim:
    base = dict(
        claim="x beats its null",
        kind="finding",
        value=1.0,
        interval=(0.5, 1.5),
        interval_method="bootstrap",
        nulls=(_null(0.001),),
    )
    return Claim(**base | kwargs)


def test_a_clear_finding_holds():
    assert decide([_finding()])[0].holds is True


@pytest.mark.parametrize(
    "change",
    [
        dict(threshold=2.0, threshold_source="spec"),  # threshold fails
        dict(nulls=(_null(0.001), _null(0.2))),  # one null not beaten
        dict(interval=(-0.1, 1.5)),  # interval reaches the null median
        dict(nulls=(_null(0.001, median=0.6),)),  # the median sits inside the interval
    ],
)
def test_each_condition_fails_a_claim_on_its_own(change):
    assert decide([_finding(**change)])[0].holds is False


def test_lower_is_better_mirrors_every_condition():
    row = _finding(value=-1.0, interval=(-1.5, -0.5), better="lower", threshold=0.0, threshold_source="spec")
    assert decide([row])[0].holds is True
    assert decide([_finding(value=-1.0, interval=(-1.5, 0.1), better="lower")])[0].holds is False


def test_holm_spans_the_findings_of_a_document_and_not_design_rows():
    rows = [_finding(nulls=(_null(0.02),)) for _ in range(3)]
    design = _finding(kind="design", nulls=(_null(0.02),))
    decided = decide(rows + [design])
    assert [c.p_adjusted for c in decided[:3]] == pytest.approx([0.06] * 3)
    assert all(c.holds is False for c in decided[:3])
    assert decided[3].p_adjusted == pytest.approx(0.02) and decided[3].holds is True
    assert decide(rows[:1])[0].holds is True


def test_missing_pieces_make_a_finding_undecided_not_passed():
    assert decide([_finding(value=None)])[0].holds is None
    assert decide([_finding(interval=None)])[0].holds is None
    assert decide([_finding(nulls=(Null("empty", 0, 10, None, None, None, None, None),))])[0].holds is None


def test_exploratory_rows_are_never_decided_nor_adjusted():
    decided = decide([_finding(kind="exploratory"), _finding(nulls=(_null(0.03),))])
    assert decided[0].holds is None and decided[0].outcome == "exploratory"
    assert decided[1].p_adjusted == pytest.approx(0.03)


def test_check_rows_judge_the_threshold_alone_when_they_have_no_null():
    row = Claim(
        "agrees with the closed form", "check", value=0.01, better="lower", threshold=0.05, threshold_source="semphys"
    )
    assert decide([row])[0].holds is True
    assert decide([Claim(**row.__dict__ | {"value": 0.1})])[0].holds is False


def test_construction_refuses_rows_that_cannot_be_evidence():
    with pytest.raises(ValueError, match="needs at least one null"):
        Claim("x", "finding", value=1.0)
    with pytest.raises(ValueError, match="kind must be"):
        Claim("x", "verdict", value=1.0, nulls=(_null(0.01),))
    with pytest.raises(ValueError, match="threshold needs its source"):
        _finding(threshold=1.0)


def test_null_from_draws_places_the_value_and_states_its_floor():
    null = Null.from_draws("shuffle", np.arange(199.0), 500.0, "higher", n=12)
    assert null.p == pytest.approx(1 / 200) == null.p_floor
    assert null.p50 == pytest.approx(99.0) and null.draws == 199 and null.n == 12
    assert Null.from_draws("none", np.array([np.nan]), 1.0, "higher").p is None


def test_rows_round_trip_and_validate_against_the_one_schema():
    decided = decide([_finding(key="jump", model="embedded", threshold=0.1, threshold_source="spec")])
    rows = [c.to_dict() for c in decided]
    document = {"models": {"embedded": {"claims": rows}}, "claims": rows}
    assert check_claims(document) == 2
    assert Claim.from_dict(rows[0]) == decided[0]
    broken = {"claims": [rows[0] | {"kind": "verdict"}]}
    with pytest.raises(jsonschema.ValidationError):
        check_claims(broken)


def test_markdown_table_shows_value_interval_nulls_and_outcome():
    text = markdown_table(decide([_finding(model="minilm")]))
    assert "| x beats its null | minilm | finding | 1 [0.5, 1.5] |" in text
    assert "shuffle 0 (p 0.001)" in text and text.rstrip().endswith("holds |")


def test_every_schema_check_also_checks_the_claim_rows():
    from semphys.evidence import check_document

    row = decide([_finding()])[0].to_dict()
    loose = {"type": "object"}
    check_document({"claims": [row]}, loose)
    with pytest.raises(jsonschema.ValidationError):
        check_document({"section": {"claims": [row | {"holds": "yes"}]}}, loose)
