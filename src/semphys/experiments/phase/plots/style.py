"""The look shared by a phase run's figures: the colours of the senses and the nulls, a line style per
prompt strength, the resolution, and the grid of axes, legend and layer ticks every figure uses.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

SENSE_COLOURS = ("tab:red", "tab:blue")
NEUTRAL_COLOUR = "black"
STYLES = {"strong": "-", "weak": "--", "neutral": ":", "declared": "-", "ambiguous": ":"}
NULL_RANDOM = "0.75"
NULL_SHUFFLE = "tab:orange"
DPI = 110


def axes_grid(n_rows: int, n_cols: int, width: float = 4.2, height: float = 3.0, **kwargs):
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(width * n_cols, height * n_rows), squeeze=False, **kwargs)
    return fig, axes


def legend_below(ax, ncol: int = 2) -> None:
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=ncol, frameon=False)


def integer_layers(ax) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def prompt_colour(word: dict, prompt: dict) -> str:
    if prompt["sense"] is None:
        return NEUTRAL_COLOUR
    return SENSE_COLOURS[word["senses"].index(prompt["sense"])]
