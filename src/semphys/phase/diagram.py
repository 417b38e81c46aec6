"""The phase diagram of spec 001, exp. 5: sigma over (context length x layer).

The spec grows a sentence word by word ("She", "She went", ..., "She went to the bank with her
paycheck ...") and reads sigma at the target. Prefixes that stop before the target have no target
to read, and in a causal model the target's vector never sees words after it. So the context grows
around the target instead, one word per step (`gradient_contexts`):

    left   first the words before the target, nearest first: "the bank", "to the bank", ...,
           "She went to the bank"  (the target's own text is never alone: a bare first word is
           tokenised differently, "bank" vs " bank")
    right  then the words after it, one at a time: "She went to the bank with", ...

The x axis counts context words. A causal model's sigma changes only in the `left` part; its `right`
columns repeat the last `left` column (the plot marks where `right` starts). An encoder (MiniLM)
sees both sides. Columns of sense A's list come first, then sense B's, as in the spec.
"""

from dataclasses import dataclass

import numpy as np

from semphys.core.errors import UserError


@dataclass(frozen=True)
class Context:
    """One column of the phase diagram."""

    text: str
    n_context: int
    """Words of context around the target."""
    side: str
    """`left` (a word before the target was added) or `right` (a word after it)."""
    added: str
    """The word added at this step."""


def _is_target(token: str, word: str) -> bool:
    return token.strip(".,;:!?\"'()").lower() == word.lower()


def gradient_contexts(words: tuple[str, ...] | list[str], target: str) -> list[Context]:
    """The growing contexts of one word list (see the module docstring). The first target occurrence counts."""
    words = list(words)
    position = next((i for i, w in enumerate(words) if _is_target(w, target)), None)
    if position is None:
        raise UserError(f"gradient {' '.join(words)!r} does not contain the target word {target!r}")
    contexts = []
    for start in range(position - 1, -1, -1):
        contexts.append(Context(" ".join(words[start : position + 1]), position - start, "left", words[start]))
    for end in range(position + 2, len(words) + 1):
        contexts.append(Context(" ".join(words[:end]), end - 1, "right", words[end - 1]))
    if not contexts:
        raise UserError(f"gradient {' '.join(words)!r} has no word besides the target {target!r}")
    return contexts


@dataclass(frozen=True)
class PhaseDiagram:
    """sigma over the columns of both senses' gradients and every layer."""

    sigma: np.ndarray
    """[n_columns, n_layers + 1]"""
    columns: list[tuple[str, Context]]
    """(sense, context) per column."""

    def zero_crossings(self) -> list[list[float]]:
        """Per column, the layers (interpolated) where sigma changes sign: the sigma = 0 contour."""
        crossings = []
        for row in self.sigma:
            found = []
            for l in range(len(row) - 1):
                a, b = row[l], row[l + 1]
                if a == 0:
                    found.append(float(l))
                elif a * b < 0:
                    found.append(l + a / (a - b))
            crossings.append(found)
        return crossings

    def to_dict(self) -> dict:
        return {
            "columns": [
                {"sense": sense, "text": c.text, "n_context": c.n_context, "side": c.side, "added": c.added}
                for sense, c in self.columns
            ],
            "sigma": self.sigma.tolist(),
            "zero_crossings": self.zero_crossings(),
        }
