"""A sweep's output directory: its identity, one file per finished job, the failures.

    DIR/sweep.json            the spec (`SweepSpec.to_dict`, the file's text and path) and its fingerprint;
                              written first
    DIR/jobs/<id>.json        a finished job: {job, status: ok | skipped, result | reason, seconds, worker, ...}
    DIR/failed/<id>.json      a job's last failure: {job, error, traceback, attempts, worker}
    DIR/results.parquet, DIR/jobs.parquet, DIR/report.html, DIR/*.png     written by the merge

Every file is written atomically (temporary file, then rename): a killed sweep leaves whole job files
or none, and a re-run skips the jobs whose file is there. A directory that holds another sweep (a
different fingerprint) or anything that is not a sweep is refused, never mixed into.
"""

import json
import time
from pathlib import Path
from typing import Any

from semphys.errors import UserError
from semphys.io import write_text_atomic
from semphys.provenance import collect_provenance
from semphys.sweep.jobs import Job
from semphys.sweep.spec import SweepSpec
from semphys.sweep.worker import Outcome

SCHEMA = "semphys.sweep/1"
MERGED = ("results.parquet", "jobs.parquet", "summary.json", "report.html")
"""Files the merge writes; they may be rewritten by every run of the same sweep."""


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
        identity = store.out_dir / "sweep.json"
        if identity.is_file():
            held = store.read_identity()
            if held.get("fingerprint") != spec.fingerprint():
                raise UserError(f"{store.out_dir} holds another sweep (fingerprint {held.get('fingerprint')}, this spec "
                                f"is {spec.fingerprint()}); choose another --out or remove that directory")
        elif store.out_dir.exists() and (not store.out_dir.is_dir() or any(store.out_dir.iterdir())):
            raise UserError(f"{store.out_dir} exists and is not a sweep directory; choose an empty or new --out")
        else:
            try:
                store.out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise UserError(f"cannot create {store.out_dir}: {err.strerror or err}; choose a writable --out") from None
            document = {"schema": SCHEMA, "fingerprint": spec.fingerprint(), "spec": spec.to_dict(),
                        "source": spec.source, "text": spec.text, "provenance": collect_provenance()}
            write_text_atomic(identity, json.dumps(document, indent=1) + "\n")
        store.jobs_dir.mkdir(exist_ok=True)
        store.failed_dir.mkdir(exist_ok=True)
        return store

    def read_identity(self) -> dict[str, Any]:
        path = self.out_dir / "sweep.json"
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise UserError(f"{path} is unreadable ({err}); this is not a sweep directory") from None

    def finished(self) -> set[str]:
        """Ids of the jobs with a whole result file."""
        return {p.stem for p in self.jobs_dir.glob("*.json")}

    def record(self, job: Job, outcome: Outcome, attempt: int) -> None:
        """Write a finished job's file (and drop an older failure), or the job's failure."""
        common = {"job": job.to_dict(), "worker": outcome.worker, "seconds": outcome.seconds, "attempt": attempt,
                  "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        if outcome.status == "failed":
            document = common | {"status": "failed", "error": outcome.error, "traceback": outcome.traceback,
                                 "retryable": outcome.retryable}
            write_text_atomic(self.failed_dir / f"{job.id}.json", json.dumps(document, indent=1) + "\n")
            return
        document = common | {"status": outcome.status, "reason": outcome.error, "result": outcome.result}
        write_text_atomic(self.jobs_dir / f"{job.id}.json", json.dumps(document) + "\n")
        (self.failed_dir / f"{job.id}.json").unlink(missing_ok=True)

    def finished_records(self) -> list[dict[str, Any]]:
        """Every finished job's document, sorted by job id."""
        return [self._read(p) for p in sorted(self.jobs_dir.glob("*.json"))]

    def failed_records(self, exclude: set[str] = frozenset()) -> list[dict[str, Any]]:
        """The failures of jobs that have not finished since (ids in `exclude` are left out)."""
        return [self._read(p) for p in sorted(self.failed_dir.glob("*.json")) if p.stem not in exclude]

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            return json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as err:
            raise UserError(f"{path} is damaged ({err}); delete it and run the sweep again") from None
