"""How many threads torch may use for a block of work (ground floor: any subsystem may use it).

On our shared 2-core machines torch's default of 2 threads made small, memory-bound operations up
to 50x slower under load, and never much faster when idle; long small-model loops pin 1 thread.
"""

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from semphys.core.errors import UserError


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Run the block with `torch.set_num_threads(threads)`, then restore; None leaves torch alone."""
    if threads is None or threads == torch.get_num_threads():
        yield
        return
    if threads < 1:
        raise UserError(f"threads = {threads}: give at least 1 thread")
    old = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)
