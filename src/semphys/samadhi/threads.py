"""How many torch threads the Samadhi loops use.

The model's operations are small (a batch of 96 states of width 384, 24 refiners of 64 hidden
units): on the 2-core shared machines a second OpenMP thread waits at every barrier whenever another
process holds a core. Measured under such load: a stage-2 training step took 0.16 s on one thread
and 3.4 s on two; a stage-1 step 0.04 s and 0.30 s. Training and evaluation therefore run on one
thread by default (`TrainConfig.threads`). (semphys.langevin has the same helper; subsystems do not
import each other.)
"""

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from semphys.errors import UserError


@contextmanager
def torch_threads(threads: int) -> Iterator[None]:
    """Run the block with `torch.set_num_threads(threads)`, then restore the previous setting."""
    if threads < 1:
        raise UserError(f"threads = {threads}: give at least 1 thread")
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)
