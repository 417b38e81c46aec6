"""`findings_at_a_glance`: the first section of every command's report, drawn by the one renderer."""

import re

import numpy as np

from semphys.core.report import Report
from semphys.evidence import Claim, Null, decide, findings_at_a_glance


def _claims():
    def finding(name, value, draws):
        return Claim(
            name,
            "finding",
            value,
            interval=(value - 1.0, value + 1.0),
            interval_method="percentile",
            nulls=(Null.from_draws("shuffled", np.array(draws), value, "higher"),),
            model="m",
        )

    design = Claim(
        "true by construction",
        "design",
        1.0,
        threshold=0.5,
        threshold_source="semphys",
        nulls=(Null.from_draws("shuffled", np.zeros(199), 1.0, "higher"),),
        model="m",
    )
    return decide([design, finding("effect", 5.0, [0.0] * 199), finding("no effect", 0.1, [0.0, 0.5, 0.2] * 60)])


def test_the_glance_comes_first_lists_findings_first_and_counts_what_holds():
    report = Report("r")
    findings_at_a_glance(report, _claims(), "caption")
    report.section("details").text("later")
    html = report.render()
    titles = re.findall(r"<h2>([^<]*?) <", html)
    assert titles[0] == "Findings at a glance" and titles.index("details") > 0
    table = html.split("Findings at a glance", 2)[2]
    assert table.index("effect") < table.index("true by construction")
    assert "1 of 2 findings hold" in html
