"""Jobs of a sweep: one per (kind, model, item, grid point), grouped into tasks for the workers.

Kinds:
    phase      one word of spec 001's suite on one model at one phase grid point (exp. 1, 2, 4, 5)
    wordnet    spec 001 at WordNet scale (`semphys phase run --wordnet N | --all`) on one model at one phase
               grid point: every word of `words: {wordnet: ...}` in one job (exp. 1-5)
    qk_pca     spec 001 exp. 6 on one model (per seed of the phase grid)
    langevin   spec 000 4.3's temperature probe: one prompt's next-token law at one temperature
    readout    the held-out sense readout (`semphys phase readout`) on one model at one readout grid point

A job's id is a hash of what it computes (kind, model, item, settings and, for a phase job, the
word's prompts, anchors, hints and gradients), so a finished job is recognised on a re-run whatever
order the plan lists it in. Phase jobs of the same model and settings travel together in a task of
up to `batch_words` words: the worker captures their activations in one batched pass.
"""

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from semphys.core.errors import UserError
from semphys.experiments.sweep.grids import settings_label
from semphys.experiments.sweep.spec import SweepSpec
from semphys.phase import Skipped, Word, build_suite

KINDS: tuple[str, ...] = ("phase", "wordnet", "qk_pca", "langevin", "readout")
QK_SETTINGS: tuple[str, ...] = ("seed",)
"""The phase grid keys exp. 6 depends on (the W_QK PCA's random-weight null is seeded)."""

Settings = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Job:
    """One unit of work and of result: it succeeds, is skipped (the model cannot read the word) or fails."""

    kind: str
    model: str
    item: str
    """The word (phase), the WordNet words (wordnet: `wordnet:all:n`), `W_QK` (qk_pca), the prompt (langevin) or
    `wordnet` (readout)."""
    settings: Settings
    """The grid point: (key, value) pairs."""
    payload: Any = field(default=None, compare=False, repr=False)
    """What the worker needs beyond the names: the `Word` of a phase job, the `WordnetWords` of a wordnet job."""

    @property
    def id(self) -> str:
        """16 hex digits of SHA-256 over what the job computes."""
        content = [self.kind, self.model, self.item, _jsonable(self.settings), _jsonable(self.payload)]
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def label(self) -> str:
        """The settings as `key=value,...` (`default` when the grid is empty)."""
        return settings_label(dict(self.settings))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "model": self.model,
            "item": self.item,
            "settings": dict(_jsonable(self.settings)),
            "label": self.label,
        }


@dataclass(frozen=True)
class Task:
    """Jobs a worker runs in one call: same kind, model and settings."""

    kind: str
    model: str
    settings: Settings
    jobs: tuple[Job, ...]


@dataclass(frozen=True)
class Plan:
    """Every job of a sweep, and the words that could not be paired."""

    spec: SweepSpec
    jobs: tuple[Job, ...]
    skipped_words: tuple[Skipped, ...]

    def counts(self) -> dict[tuple[str, str], int]:
        """(kind, model) -> number of jobs."""
        counts: dict[tuple[str, str], int] = {}
        for job in self.jobs:
            counts[job.kind, job.model] = counts.get((job.kind, job.model), 0) + 1
        return counts


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _settings(point: dict[str, Any]) -> Settings:
    return tuple(point.items())


READOUT_ITEM = "wordnet"
"""The item of a readout job: its words are WordNet's, chosen by its settings (`n_words`, `pos`)."""


MAX_JOBS = 100_000
"""Most jobs a sweep may plan unless the user raises the limit (`--max-jobs`): a grid is multiplied out only
after its size, computed from the axes' lengths, is known to fit."""


def _size(grid: Iterable[tuple[str, tuple[Any, ...]]] | None) -> int:
    size = 1
    for _, values in grid or ():
        size *= len(values)
    return size


def count_jobs(spec: SweepSpec, n_words: int) -> int:
    """The number of jobs `plan_sweep` lists, from the axes' lengths alone (no grid is expanded); `n_words`: the
    words of per-word phase jobs (not used at WordNet scale)."""
    qk = _size([(k, v) for k, v in spec.phase if k in QK_SETTINGS]) if spec.qk_pca else 0
    langevin = 0 if spec.langevin is None else _size(spec.langevin)
    readout = 0 if spec.readout is None else _size(spec.readout)
    per_point = 1 if spec.wordnet_scale else n_words  # phase jobs per model and phase grid point
    return len(spec.models) * (per_point * _size(spec.phase) + qk + langevin + readout)


def check_job_count(spec: SweepSpec, n_words: int, max_jobs: int | None = MAX_JOBS) -> int:
    """`count_jobs`, or `UserError` naming the axes when it is above `max_jobs` (None: no limit)."""
    n_jobs = count_jobs(spec, n_words)
    if max_jobs is not None and n_jobs > max_jobs:
        axes = [
            f"{block}.{key} ({len(values):,} values)"
            for block, grid in (("phase", spec.phase), ("langevin", spec.langevin), ("readout", spec.readout))
            for key, values in grid or ()
            if len(values) > 1
        ]
        unit = "1 WordNet-scale job" if spec.wordnet_scale else f"{n_words} word(s)"
        raise UserError(
            f"sweep spec {spec.source} makes {n_jobs:,} jobs ({len(spec.models)} model(s) x {unit} "
            f"x axes {', '.join(axes) or 'none'}), above the limit of {max_jobs:,}; shrink the "
            "axes, or raise the limit with --max-jobs N"
        )
    return n_jobs


def plan_sweep(spec: SweepSpec, max_jobs: int | None = MAX_JOBS) -> Plan:
    """Resolve the word source and list every job: models x words x phase grid (or models x phase grid at WordNet
    scale), QK PCA, Langevin grid, readout grid.

    The job count is checked against `max_jobs` (`check_job_count`) before any grid is multiplied out. WordNet words
    are read by the wordnet jobs themselves, not here.
    """
    source = spec.words
    words, skipped = (), ()
    if source is not None and source.wordnet is None:
        suite = build_suite(",".join(source.names) if source.names else None, source.prompts, None)
        words, skipped = suite.words, suite.skipped
    check_job_count(spec, len(words), max_jobs)
    jobs: list[Job] = []
    for model in spec.models:
        if words:
            for point in spec.phase_points():
                jobs += [Job("phase", model, word.word, _settings(point), word) for word in words]
        if source is not None and source.wordnet is not None:
            scale = source.wordnet
            jobs += [Job("wordnet", model, scale.label, _settings(point), scale) for point in spec.phase_points()]
        if spec.qk_pca:
            qk_points = {_settings({k: v for k, v in p.items() if k in QK_SETTINGS}) for p in spec.phase_points()}
            jobs += [Job("qk_pca", model, "W_QK", s) for s in sorted(qk_points, key=repr)]
        for point in spec.langevin_points():
            prompt = point["prompt"]
            jobs.append(Job("langevin", model, prompt, _settings({k: v for k, v in point.items() if k != "prompt"})))
        jobs += [Job("readout", model, READOUT_ITEM, _settings(point)) for point in spec.readout_points()]
    return Plan(spec=spec, jobs=tuple(jobs), skipped_words=tuple(skipped))


def make_tasks(jobs: Iterable[Job], batch_words: int) -> list[Task]:
    """Group jobs into tasks: phase jobs by (model, settings) in chunks of `batch_words`, others alone."""
    groups: dict[tuple[str, str, Settings], list[Job]] = {}
    tasks: list[Task] = []
    for job in jobs:
        if job.kind == "phase":
            groups.setdefault((job.kind, job.model, job.settings), []).append(job)
        else:
            tasks.append(Task(job.kind, job.model, job.settings, (job,)))
    for (kind, model, settings), members in groups.items():
        for start in range(0, len(members), batch_words):
            tasks.append(Task(kind, model, settings, tuple(members[start : start + batch_words])))
    return sorted(tasks, key=lambda t: (t.model, KINDS.index(t.kind)))


def words_of(jobs: Iterable[Job]) -> list[Word]:
    """The `Word`s of phase jobs, in order."""
    return [job.payload for job in jobs if job.kind == "phase"]
