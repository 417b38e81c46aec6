"""Matplotlib figures to PNG: rendered once, closed afterwards, written atomically.

Every package that draws (phase, langevin, sweep, report) saves through here, so a figure always
gets the same white background and tight bounding box, and a loop of figures does not leak.
"""

import io
from pathlib import Path
from typing import Any

from semphys.core.io import write_bytes_atomic


def figure_png(fig: Any, dpi: int = 110) -> bytes:
    """Render a matplotlib Figure to PNG bytes and close it (when pyplot made it)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    if getattr(fig.canvas, "manager", None) is not None:  # created by pyplot: let pyplot forget it
        import matplotlib.pyplot as plt

        plt.close(fig)
    return buffer.getvalue()


def save_figure(fig: Any, path: Path, dpi: int = 110) -> Path:
    """Write `fig` as a PNG at `path` (atomically; parents created) and close it; returns the path."""
    return write_bytes_atomic(Path(path), figure_png(fig, dpi))
