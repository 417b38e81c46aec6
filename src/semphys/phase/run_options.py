"""`RunOptions`: what `semphys phase run` is asked to do, every option checked before any model loads.

As for every command, a bad option is one `error:` line and exit 2 before the first model is loaded,
nothing written. Checked here: every --model names a loadable model (its config is read, never its
weights, so an unknown second model is reported before the first one runs), --words is not empty,
--out and --cache-dir are (or can become) writable directories, and the numeric and named settings
(--bootstrap, --mode, --correction, --selection) are allowed values. The words themselves are
checked when the suite is built (`sources.build_suite`), which also happens before any model loads.
"""

from dataclasses import dataclass
from pathlib import Path

from semphys.core.validate import require_choice, require_directory_option, require_non_negative
from semphys.lm import check_model_spec
from semphys.phase.config import CORRECTIONS, MODES, PhaseConfig

SELECTIONS: tuple[str, ...] = ("aicc", "aic")


@dataclass(frozen=True)
class RunOptions:
    """The checked options of one `phase run`."""

    models: tuple[str, ...]
    """Model specs in order, each given once (`semphys.lm.load_lm`)."""
    out: Path
    config: PhaseConfig
    cache_root: Path | None | bool
    """A directory, None (the default cache) or False (no cache), as `run_phase` takes it."""

    @classmethod
    def checked(cls, models: list[str], out: Path, bootstrap: int, mode: str, correction: str, selection: str,
                seed: int, qk_pca: bool, cache: bool, cache_dir: Path | None) -> "RunOptions":
        """Check every option (module docstring) and build the run's settings; raises `UserError`."""
        require_non_negative("--bootstrap", bootstrap)
        require_choice("--mode", mode, MODES)
        require_choice("--correction", correction, CORRECTIONS)
        require_choice("--selection", selection, SELECTIONS)
        require_directory_option("--out", out)
        if cache and cache_dir is not None:
            require_directory_option("--cache-dir", cache_dir)
        specs = tuple(dict.fromkeys(models))
        for spec in specs:
            check_model_spec(spec)
        config = PhaseConfig(primary_mode=mode, primary_correction=correction, selection=selection,
                             n_bootstrap=bootstrap, seed=seed, qk_pca=qk_pca)
        return cls(models=specs, out=Path(out), config=config, cache_root=(cache_dir if cache else False))
