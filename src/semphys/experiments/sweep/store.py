"""A sweep's output directory: its identity, one file per finished job, the failures.

    DIR/sweep.json            the spec (`SweepSpec.to_dict`, the file's text and path) and its fingerprint;
                              written first
    DIR/jobs/<id>.json        a finished job: {job, status: ok | skipped, result | reason, seconds, worker, ...}
    DIR/failed/<id>.json      a job's last failure: {job, error, traceback, attempts, worker}
    DIR/results.parquet, DIR/jobs.parquet, DIR/readout.parquet, DIR/wordnet.parquet, DIR/summary.json,
    DIR/report.html, DIR/*.png,
    DIR/readout/<n>/readout.png (a readout grid point's figure)     written by the merge

Every file is written atomically (temporary file, then rename): a killed sweep leaves whole job files
or none, and a re-run skips the jobs whose file is there. Each job file carries a CRC-32 of its
content (`semphys.core.jsondoc.sealed`): a damaged one is reported, set aside and its job run again,
never merged. The directory is claimed through `semphys.core.rundir` for `sweep run` with the sweep's
fingerprint: one that holds another sweep (a different fingerprint), another command's run, or
anything that is not a sweep is refused, never mixed into.
"""

import json
import time
from pathlib import Path
from typing import Any

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import is_intact, sealed
from semphys.core.provenance import collect_provenance
from semphys.core.rundir import claim_run_dir
from semphys.experiments.sweep.jobs import Job
from semphys.experiments.sweep.spec import SweepSpec, parse_sweep_spec
from semphys.experiments.sweep.worker import Outcome

SCHEMA = "semphys.sweep/1"
MERGED = (
    "results.parquet",
    "jobs.parquet",
    "langevin.parquet",
    "readout.parquet",
    "wordnet.parquet",
    "summary.json",
    "report.html",
    "*.png",
    "readout",
)
"""Files the merge writes; every run of the same sweep replaces them all."""
COMMAND = "sweep run"


class SweepStore:
    """The output directory of one sweep."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self.jobs_dir = self.out_dir / "jobs"
        self.failed_dir = self.out_dir / "failed"

    @classmethod
    def open(cls, out_dir: Path, spec: SweepSpec) -> "SweepStore":
        """Create the directory for `spec`, or reopen it when it already holds this same sweep."""
        store = cls(out_dir)
        held = store.out_dir / "sweep.json"
        if held.is_file() and store.read_identity().get("fingerprint") != spec.fingerprint():
            raise UserError(
                f"{store.out_dir} holds another sweep (fingerprint {store.read_identity().get('fingerprint')}, "
                f"this spec is {spec.fingerprint()}); choose another --out or remove that directory"
            )
        claim = claim_run_dir(
            store.out_dir, COMMAND, {"fingerprint": spec.fingerprint()}, outputs=MERGED, document_schema=SCHEMA
        )
        if not claim.resumed:
            document = {
                "schema": SCHEMA,
                "fingerprint": spec.fingerprint(),
                "spec": spec.to_dict(),
                "source": spec.source,
                "text": spec.text,
                "provenance": collect_provenance(),
            }
            write_text_atomic(held, json.dumps(document, indent=1) + "\n")
        store.jobs_dir.mkdir(exist_ok=True)
        store.failed_dir.mkdir(exist_ok=True)
        return store

    def ran_spec(self) -> SweepSpec:
        """The spec this directory ran, read again from its sweep.json; `UserError` when it is not a sweep
        directory, or when this semphys reads the spec differently from the run (a prompts file edited or
        moved, or a spec format that has changed meaning since)."""
        if not (self.out_dir / "sweep.json").is_file():
            raise UserError(f"{self.out_dir} is not a sweep directory (no sweep.json)")
        identity = self.read_identity()
        source = Path(identity["source"])
        again = "run the spec again into a new directory (semphys sweep run SPEC --out NEW)"
        try:
            spec = parse_sweep_spec(identity["text"], str(source), source.parent)
        except UserError as err:
            raise UserError(f"{self.out_dir} ran a spec this semphys no longer accepts ({err}); {again}") from None
        if spec.fingerprint() != identity["fingerprint"]:
            raise UserError(
                f"the inputs of {self.out_dir} changed since it ran (fingerprint {spec.fingerprint()} != "
                f"{identity['fingerprint']}): a prompts file was edited or moved, or this semphys reads its spec "
                f"differently (words: {{wordnet: N}} made one phase job per word before it ran spec 001 at WordNet "
                f"scale); {again}"
            )
        return spec

    def read_identity(self) -> dict[str, Any]:
        path = self.out_dir / "sweep.json"
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise UserError(f"{path} is unreadable ({err}); this is not a sweep directory") from None

    def finished(self) -> set[str]:
        """Ids of the jobs with an intact result file; a damaged one is moved to `damaged/` (its job runs again)."""
        return {path.stem for path in self.jobs_dir.glob("*.json") if self._intact(path)}

    def damaged(self) -> list[Path]:
        """Job files set aside because they failed their checksum or could not be read."""
        return sorted((self.out_dir / "damaged").glob("*.json"))

    def _intact(self, path: Path) -> bool:
        try:
            intact = is_intact(json.loads(path.read_text()))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            intact = False
        if not intact:
            aside = self.out_dir / "damaged"
            aside.mkdir(exist_ok=True)
            path.replace(aside / path.name)
        return intact

    def record(self, job: Job, outcome: Outcome, attempt: int) -> None:
        """Write a finished job's file (and drop an older failure), or the job's failure."""
        common = {
            "job": job.to_dict(),
            "worker": outcome.worker,
            "seconds": outcome.seconds,
            "attempt": attempt,
            "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        if outcome.status == "failed":
            document = common | {
                "status": "failed",
                "error": outcome.error,
                "traceback": outcome.traceback,
                "retryable": outcome.retryable,
            }
            write_text_atomic(self.failed_dir / f"{job.id}.json", json.dumps(sealed(document), indent=1) + "\n")
            return
        document = common | {"status": outcome.status, "reason": outcome.error, "result": outcome.result}
        write_text_atomic(self.jobs_dir / f"{job.id}.json", json.dumps(sealed(document), allow_nan=False) + "\n")
        (self.failed_dir / f"{job.id}.json").unlink(missing_ok=True)

    def finished_records(self) -> list[dict[str, Any]]:
        """Every finished job's intact document, sorted by job id (damaged files are set aside, see `finished`)."""
        return [self._read(self.jobs_dir / f"{job_id}.json") for job_id in sorted(self.finished())]

    def failed_records(self, exclude: set[str] = frozenset()) -> list[dict[str, Any]]:
        """The failures of jobs that have not finished since (ids in `exclude` are left out)."""
        return [self._read(p) for p in sorted(self.failed_dir.glob("*.json")) if p.stem not in exclude]

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise UserError(f"{path} is damaged ({err}); delete it and run the sweep again") from None
