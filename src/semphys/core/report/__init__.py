"""Self-contained HTML reports: `Report` and its `Section`s.

Sits on top of the house: it may import any subsystem, and none imports it.
"""

from semphys.core.report.html import Report, Section

__all__ = ["Report", "Section"]
