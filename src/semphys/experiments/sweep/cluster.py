"""`--ray ADDRESS`: the sweep's workers as Ray actors on an existing cluster.

One actor per worker (`semphys.experiments.sweep.worker.Worker`, which keeps its models loaded), each asking for
one CPU, or one GPU when the sweep's device is `cuda`. The driver sends tasks to idle actors and
collects outcomes as they finish (`ray.wait`); results come back through Ray's object store, so the
cluster needs no shared file system: the driver writes every result file. An actor that dies (its
node lost, out of memory) fails its task's jobs with a retryable outcome and is replaced.

Every node needs semphys and its models installed in the same Python environment as the driver
(`pip install semphys`, as on this machine), since the actors import it. Ray's own `runtime_env`
can ship a working tree instead; see Ray's documentation.

ADDRESS is what `ray.init(address=...)` takes: `auto` (the cluster this machine belongs to),
`HOST:PORT` of the head node's GCS, or `ray://HOST:PORT` (Ray Client). When Ray is already
initialised in this process (a test's `ray.init(num_cpus=2)`), that instance is used.
"""

import socket
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semphys.core.errors import UserError
from semphys.experiments.sweep.executors import Done, crash_outcomes, next_task
from semphys.experiments.sweep.jobs import Task
from semphys.experiments.sweep.worker import Worker

CONNECT_TIMEOUT_S = 5.0


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail fast, with a clear message, when `HOST:PORT` (or `ray://HOST:PORT`) does not answer."""
    if address in ("auto", "local"):
        return
    host_port = address.removeprefix("ray://")
    host, _, port = host_port.rpartition(":")
    if not host or not port.isdigit():
        raise UserError(f"Ray address {address!r} is not HOST:PORT, ray://HOST:PORT or auto")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as err:
        raise UserError(
            f"cannot reach the Ray cluster at {address} ({err.strerror or err}); start it with "
            "`ray start --head` or check the address"
        ) from None


def connect(address: str | None) -> Any:
    """The `ray` module, initialised: the running instance, or the cluster at `address`."""
    try:
        import ray
    except ImportError:
        raise UserError("Ray is not installed: pip install 'ray>=2.9'") from None
    if ray.is_initialized():
        return ray
    if address is None:
        raise UserError("no Ray address given and Ray is not initialised; pass --ray ADDRESS")
    check_reachable(address)
    try:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as err:
        raise UserError(f"cannot connect to the Ray cluster at {address}: {err}") from None
    return ray


@dataclass
class RayPool:
    """Tasks on Ray actors; `n_workers` None means one per CPU (or GPU) the cluster has."""

    address: str | None
    n_workers: int | None = None
    device: str = "cpu"
    cache_root: Path | None | bool = None

    def run(self, tasks: list[Task], done: Done) -> None:
        ray = connect(self.address)
        resource = "GPU" if self.device == "cuda" else "CPU"
        available = int(ray.cluster_resources().get(resource, 0))
        if available < 1:
            raise UserError(f"the Ray cluster has no {resource}; the sweep's device is {self.device}")
        n_workers = min(self.n_workers or available, max(1, len(tasks)))
        actor_class = ray.remote(num_cpus=1, num_gpus=1 if self.device == "cuda" else 0, max_restarts=0)(Worker)

        def start() -> Any:
            return actor_class.remote(self.device, self.cache_root, 1)

        actors = [start() for _ in range(n_workers)]
        loaded: list[set[str]] = [set() for _ in actors]
        in_flight: dict[Any, tuple[int, Task]] = {}
        pending = deque(tasks)
        try:
            while pending or in_flight:
                busy = {index for index, _ in in_flight.values()}
                for index in range(len(actors)):
                    if index not in busy and pending:
                        task = next_task(pending, loaded[index])
                        in_flight[actors[index].run.remote(task)] = (index, task)
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                for ref in ready:
                    index, task = in_flight.pop(ref)
                    try:
                        outcomes = ray.get(ref)
                    except ray.exceptions.RayActorError as err:
                        outcomes = crash_outcomes(
                            task, f"Ray worker died: {type(err).__name__}: {err}", f"ray-actor-{index}"
                        )
                        actors[index], loaded[index] = start(), set()
                    except ray.exceptions.RayError as err:
                        if _fatal(err):
                            raise UserError(str(err.cause if hasattr(err, "cause") else err)) from None
                        outcomes = crash_outcomes(
                            task, f"Ray task failed: {type(err).__name__}: {err}", f"ray-actor-{index}"
                        )
                        actors[index], loaded[index] = start(), set()
                    else:
                        loaded[index].add(task.model)
                    pending.extend(done(task, outcomes))
        finally:
            for actor in actors:
                ray.kill(actor)


def _fatal(err: Exception) -> bool:
    """A worker that could not be built (e.g. no CUDA device): a user error, not a crash to retry."""
    return isinstance(getattr(err, "cause", None), UserError)
