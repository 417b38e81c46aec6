"""semphys.experiments.sweep.worker: outcomes per job; a failing word does not fail its batch; skips are not errors."""

import dataclasses

import pytest

from semphys.experiments.sweep import worker as worker_module
from semphys.experiments.sweep.jobs import Job, Task
from semphys.experiments.sweep.worker import Worker, phase_config
from semphys.phase import BUILTIN, Prompt
from semphys.phase.config import variant_name, variants

SETTINGS = (
    ("n_bootstrap", 0),
    ("n_label_shuffles", 4),
    ("n_random_directions", 4),
    ("n_null_draws", 20),
    ("fit_starts", 1),
)


def _task(*words, model: str = "minilm") -> Task:
    return Task("phase", model, SETTINGS, tuple(Job("phase", model, w.word, SETTINGS, w) for w in words))


@pytest.fixture(scope="module")
def worker(tmp_path_factory) -> Worker:
    return Worker(cache_root=tmp_path_factory.mktemp("activations"))


def test_phase_task_gives_one_ok_outcome_per_word_with_every_variant(worker: Worker) -> None:
    outcomes = worker.run(_task(BUILTIN["bank"], BUILTIN["bat"]))
    assert [o.status for o in outcomes] == ["ok", "ok"]
    assert worker.loaded == ("minilm",)
    result = outcomes[0].result
    assert set(result["statistics"]) == {variant_name(m, c) for m, c in variants()}
    assert (
        result["word"]["word"] == "bank" and result["primary_variant"] == phase_config(dict(SETTINGS)).primary_variant
    )
    declared = [p for p in BUILTIN["bank"].prompts if p.sense is not None]
    primary = result["statistics"][result["primary_variant"]]
    assert len(primary["prompts"]["jump"]) == len(declared) - primary["n_blind"]  # minilm: none blind
    assert len(primary["null"]["label_shuffle"]["jump"]) == dict(SETTINGS)["n_label_shuffles"]
    assert outcomes[0].seconds == outcomes[1].seconds > 0  # the task's time, shared


def test_a_word_the_model_cannot_read_is_skipped_with_its_reason(worker: Worker) -> None:
    bank = BUILTIN["bank"]
    long_prompt = Prompt("long", "money " * 600 + "at the bank", bank.senses[0])
    too_long = dataclasses.replace(bank, prompts=bank.prompts + (long_prompt,))
    outcomes = worker.run(_task(too_long, BUILTIN["bat"]))
    assert [o.status for o in outcomes] == ["skipped", "ok"]
    assert "longer than minilm's context" in outcomes[0].error and not outcomes[0].retryable


def test_an_exception_splits_the_batch_and_fails_only_its_word(worker: Worker, monkeypatch) -> None:
    real = worker_module.RUNNERS["phase"]

    def fragile(w, task):
        if any(job.item == "bat" for job in task.jobs):
            raise RuntimeError("bat broke")
        return real(w, task)

    monkeypatch.setitem(worker_module.RUNNERS, "phase", fragile)
    outcomes = worker.run(_task(BUILTIN["bank"], BUILTIN["bat"]))
    assert [o.status for o in outcomes] == ["ok", "failed"]
    assert outcomes[1].error == "RuntimeError: bat broke" and outcomes[1].retryable
    assert "bat broke" in outcomes[1].traceback


def test_langevin_job_on_an_encoder_is_skipped(worker: Worker) -> None:
    settings = (("temperature", 0.1), ("seed", 0), ("particles", 10), ("top_k", 4), ("steps", 2))
    outcome = worker.run(Task("langevin", "minilm", settings, (Job("langevin", "minilm", "Hello", settings),)))[0]
    assert outcome.status == "skipped" and "encoder" in outcome.error


def test_cuda_without_a_device_is_a_user_error() -> None:
    import torch

    if torch.cuda.is_available():  # a machine with a GPU has nothing to refuse
        assert Worker(device="cuda").device == "cuda"
        return
    from semphys.core.errors import UserError

    with pytest.raises(UserError, match="no CUDA device"):
        Worker(device="cuda")
