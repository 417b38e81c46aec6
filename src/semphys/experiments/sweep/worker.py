"""A sweep worker: keeps its models loaded and runs tasks, returning one outcome per job.

The same `Worker` runs inside this process (`--workers 0`), in each process of the local pool, and
in each Ray actor. It never writes result files: it returns `Outcome`s, and the driver writes them
(so a cluster needs no shared file system). Models are loaded on first use and kept, so a worker
loads each model once however many tasks it runs.

A task that raises is split: each of its jobs runs alone, so one bad word does not fail its batch.
A `UserError` (bad input: the model cannot be loaded, a word it cannot read) is final; any other
exception is marked retryable and the driver tries the job again up to the spec's `retries`.
"""

import json
import os
import socket
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from semphys.core.errors import UserError
from semphys.experiments.phase.readout import ReadoutConfig
from semphys.experiments.phase.readout_models import build_items, model_cache
from semphys.experiments.phase.readout_models import run_model as readout_run
from semphys.experiments.phase.readout_results import readout_document
from semphys.experiments.phase.results import to_json, word_document
from semphys.experiments.phase.run import run_model, usable_words
from semphys.experiments.phase.wordnet import WordnetRunConfig, document_of, measure
from semphys.experiments.sweep.jobs import Job, Task, words_of
from semphys.experiments.sweep.spec import WordnetWords
from semphys.lm import LM, check_device, load_lm, next_token_distribution
from semphys.phase import PhaseConfig, Suite, qk_pca
from semphys.phase.config import CORRECTIONS, variant_name, variants
from semphys.phase.readout.items import cached_wordnet_items
from semphys.phase.scale import ScaleSettings
from semphys.phase.verdict.summary import sign_accuracy, word_statistics

STATUSES: tuple[str, ...] = ("ok", "skipped", "failed")


@dataclass(frozen=True)
class Outcome:
    """What became of one job."""

    job_id: str
    status: str
    """`ok`, `skipped` (the model cannot read this word: not an error, not retried) or `failed`."""
    result: dict[str, Any] | None
    error: str | None
    traceback: str | None
    retryable: bool
    seconds: float
    """Wall seconds of the job; for a batched task, the task's seconds shared equally among its jobs."""
    worker: str
    """`host:pid` of the worker that ran it."""


def _jsonable(document: dict) -> dict:
    """NaN and infinity to None, numpy to Python: the form results.json uses."""
    return json.loads(to_json(document))


class Worker:
    """Runs tasks; holds the models it has loaded (one copy each for its lifetime)."""

    def __init__(self, device: str = "cpu", cache_root: Path | None | bool = None, threads: int | None = None) -> None:
        check_device(device)
        if threads is not None:
            torch.set_num_threads(threads)
        self.device = device
        self.cache_root = cache_root
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._models: dict[str, LM] = {}

    @property
    def loaded(self) -> tuple[str, ...]:
        """Specs of the models this worker holds."""
        return tuple(self._models)

    def model(self, spec: str) -> LM:
        if spec not in self._models:
            self._models[spec] = load_lm(spec, device=self.device)
        return self._models[spec]

    def run(self, task: Task) -> list[Outcome]:
        """One outcome per job of the task, in order; never raises for a job's own failure."""
        start = time.perf_counter()
        try:
            return RUNNERS[task.kind](self, task)
        except Exception as err:  # noqa: BLE001 - recorded per job, never lost
            if len(task.jobs) > 1:
                return [self.run(replace(task, jobs=(job,)))[0] for job in task.jobs]
            return [self._failed(task.jobs[0], err, time.perf_counter() - start)]

    def _failed(self, job: Job, err: BaseException, seconds: float) -> Outcome:
        return Outcome(
            job.id,
            "failed",
            None,
            f"{type(err).__name__}: {err}",
            traceback.format_exc(),
            retryable=not isinstance(err, UserError),
            seconds=seconds,
            worker=self.name,
        )

    def _outcome(self, job: Job, status: str, result: dict | None, seconds: float, error: str | None = None) -> Outcome:
        return Outcome(job.id, status, result, error, None, retryable=False, seconds=seconds, worker=self.name)


def phase_config(settings: dict[str, Any]) -> PhaseConfig:
    """The PhaseConfig of a phase job (exp. 6 runs as its own job)."""
    return PhaseConfig(**settings, qk_pca=False)


def _run_phase(worker: Worker, task: Task) -> list[Outcome]:
    """Spec 001 exp. 1, 2, 4, 5 on the task's words, activations captured in one batched pass."""
    start = time.perf_counter()
    lm = worker.model(task.model)
    config = phase_config(dict(task.settings))
    words, skipped = usable_words(lm, Suite(tuple(words_of(task.jobs)), "sweep"), config)
    analyses = {}
    capture = None
    if words:
        run = run_model(lm, Suite(tuple(words), "sweep"), config, worker.cache_root)
        analyses = {a.word.word: a for a in run.analyses}
        capture = run.capture.to_dict()
    reasons = {s.word: s.reason for s in skipped}
    share = (time.perf_counter() - start) / len(task.jobs)
    outcomes = []
    for job in task.jobs:
        if job.item in reasons:
            outcomes.append(worker._outcome(job, "skipped", None, share, reasons[job.item]))
            continue
        analysis = analyses[job.item]
        primary = config.primary_variant
        result = {
            "facts": lm.facts.to_dict(),
            "primary_variant": primary,
            "word": word_document(analysis, primary),
            "statistics": {
                variant_name(m, c): word_statistics(
                    analysis, variant_name(m, c), variant_name(m, c) == primary
                ).to_dict()
                for m, c in variants()
            },
            "sign_accuracy": {c: sign_accuracy([analysis], c) for c in CORRECTIONS},
            "capture": capture,
        }
        outcomes.append(worker._outcome(job, "ok", _jsonable(result), share))
    return outcomes


def _run_qk(worker: Worker, task: Task) -> list[Outcome]:
    """Spec 001 exp. 6 on one model."""
    start = time.perf_counter()
    lm = worker.model(task.model)
    config = PhaseConfig(**dict(task.settings))
    pca = qk_pca(lm, config.pca_components, config.seed)
    result = {"facts": lm.facts.to_dict(), "qk_pca": pca.to_dict()}
    return [worker._outcome(task.jobs[0], "ok", _jsonable(result), time.perf_counter() - start)]


def _run_langevin(worker: Worker, task: Task) -> list[Outcome]:
    """Spec 000 4.3: KL(token law || q) at one temperature for one prompt's top-k next-token law."""
    from semphys.langevin.decoding.comparison import temperature_probe

    start = time.perf_counter()
    job = task.jobs[0]
    settings = dict(task.settings)
    lm = worker.model(task.model)
    if not lm.facts.causal:
        reason = f"{task.model} is an encoder ({lm.facts.architecture}): it has no next-token distribution"
        return [worker._outcome(job, "skipped", None, time.perf_counter() - start, reason)]
    ids = lm.tokenizer(job.item, return_tensors="pt").input_ids
    q = next_token_distribution(lm, ids, top_k=settings["top_k"]).probs[0]
    rows = temperature_probe(
        q,
        [settings["temperature"]],
        n_particles=settings["particles"],
        seed=settings["seed"],
        n_steps=settings["steps"],
    )
    result = {"facts": lm.facts.to_dict(), "prompt": job.item, "q": q.tolist(), "rows": rows}
    return [worker._outcome(job, "ok", _jsonable(result), time.perf_counter() - start)]


def readout_config(model: str, settings: dict[str, Any], device: str) -> ReadoutConfig:
    """The ReadoutConfig of a readout job: the job's model alone, its grid point, the worker's device."""
    return ReadoutConfig(models=(model,), device=device, **settings)


def _run_readout(worker: Worker, task: Task) -> list[Outcome]:
    """The held-out sense readout on one model, on the worker's loaded copy: the readout.json `semphys phase
    readout --model M` writes."""
    start = time.perf_counter()
    job = task.jobs[0]
    config = readout_config(task.model, dict(task.settings), worker.device)
    config.validate()
    items = build_items(config)
    lm = worker.model(task.model)
    run = readout_run(lm, items.words, config, model_cache(lm, config, worker.cache_root))
    document = readout_document(items, [run], config)
    return [worker._outcome(job, "ok", _jsonable(document), time.perf_counter() - start)]


def wordnet_config(
    model: str, words: WordnetWords, settings: dict[str, Any], cache_root: Path | None | bool
) -> WordnetRunConfig:
    """The WordnetRunConfig of a wordnet job: the job's model alone, its words and grid point, the worker's caches
    (cache_root: a directory, None for the default caches, False for none)."""
    return WordnetRunConfig(
        models=(model,),
        n_words=words.n_words,
        pos=words.pos,
        settings=ScaleSettings(**settings),
        cache=cache_root is not False,
        cache_dir=cache_root if isinstance(cache_root, Path) else None,
    )


def _run_wordnet(worker: Worker, task: Task) -> list[Outcome]:
    """Spec 001 at WordNet scale on one model, on the worker's loaded copy: the results.json `semphys phase run
    --wordnet N | --all --model M` writes (its report and figures are not drawn)."""
    start = time.perf_counter()
    job = task.jobs[0]
    config = wordnet_config(task.model, job.payload, dict(task.settings), worker.cache_root)
    config.validate()
    items = cached_wordnet_items(config.pos, config.n_words)
    run = measure(worker.model(task.model), items, config)
    document = document_of(config, items, [run], time.perf_counter() - start)
    return [worker._outcome(job, "ok", _jsonable(document), time.perf_counter() - start)]


RUNNERS: dict[str, Callable[[Worker, Task], list[Outcome]]] = {
    "phase": _run_phase,
    "wordnet": _run_wordnet,
    "qk_pca": _run_qk,
    "langevin": _run_langevin,
    "readout": _run_readout,
}
"""kind -> how a worker runs a task of that kind."""
