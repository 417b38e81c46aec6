"""`semphys demo`: every subsystem at demo scale, in one self-contained HTML report.

Subsystems register a `DemoSection` in `semphys.experiments.demo.sections.SECTIONS`; `run_demo` runs them and
writes `OUT/index.html` and `OUT/run.json`. Sits on top of the house, beside `report` and `cli`.
"""

from semphys.experiments.demo.context import DemoContext, DemoSection
from semphys.experiments.demo.runner import DemoRun, SectionResult, run_demo

__all__ = ["DemoContext", "DemoRun", "DemoSection", "SectionResult", "run_demo"]
