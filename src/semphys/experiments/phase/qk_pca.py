"""`semphys phase qk-pca`: spec 001's future experiments B (the W_QK basis across models) and C (what its
top components attend to), on every model given, written to one run directory.

OUT/qk_pca.json (schema `semphys.phase.qk_pca/2`, `qk_pca.schema.json` beside this module), the
figures qk_spectra.png and qk_attention.png, and OUT/report.html. Its `claims` are experiment B's
curves as `evidence.Claim` rows (`qk_basis.basis_claim`), decided together by `evidence.decide`; its
`summary` keeps the descriptive numbers of each curve. Models are loaded one at a time;
what each gives is kept in OUT/state/ (checksummed), so an interrupted run resumes from the models it
finished (with a work directory). Bad input (no model, a repeated one, a model without attention, an unknown spec) is refused
before any model loads.
"""

import json
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from semphys.core.errors import UserError
from semphys.core.io import write_text_atomic
from semphys.core.jsondoc import schema_path, to_json
from semphys.core.provenance import collect_provenance
from semphys.core.safefile import DamagedFile, load_checked, save_checked
from semphys.core.validate import require_at_least, require_non_negative
from semphys.evidence import Claim, check_document, decide
from semphys.experiments.base import Command, Log, quiet
from semphys.lm import check_device, load_lm
from semphys.lm.models.readers import has_attention
from semphys.lm.models.specs import model_type_of
from semphys.phase.qk.attention import CATEGORIES, AttentionConfig, builtin_texts, head_shares, top_components
from semphys.phase.qk.basis import (
    COUNTS,
    TARGET,
    BasisCurve,
    BasisForms,
    HeadShape,
    basis_claim,
    basis_forms,
    head_spec_curve,
    pooled_groups,
    residual_curve,
)
from semphys.phase.qk.pca import head_weights

SCHEMA = "semphys.phase.qk_pca/2"
COMMAND = Command("phase qk-pca", SCHEMA, ("qk_pca.json", "report.html", "*.png"))
SCHEMA_FILE = schema_path(__file__, "qk_pca")
"""The JSON Schema of qk_pca.json (`qk_pca.schema.json` beside this module)."""
STATE_FORMAT = "3"
_TENSORS = ("head_spec", "head_spec_scrambled", "head_spec_random", "residual_gram", "residual_random_gram")
"""The BasisForms fields a state file keeps."""


@dataclass(frozen=True)
class QKPCAConfig:
    """Settings of `semphys phase qk-pca` (spec 001, 発展実験 B and C)."""

    models: tuple[str, ...]
    """Models whose W_QK are collected (spec B.1: GPT-2, Gemma-2, LLaMA, Mistral, Qwen, ...)."""
    out: Path
    seed: int = 0
    """Seed of the random-weight null and of the orthogonal scramble."""
    n_random: int = 79
    """Random-weight draws per curve: the null of each claim. 79 is the fewest whose p floor (1/80 = 0.0125)
    lets a claim of the two embedded models' four hold after Holm (4 x 0.0125 = 0.05); a draw costs about
    0.2 to 0.4 s per curve on the shared CPUs here (Gemma-3-270M's and MiniLM's shapes)."""
    attention: AttentionConfig = field(default_factory=AttentionConfig)
    """Experiment C: top components and heads per component."""
    device: str = "cpu"

    def validate(self) -> None:
        """Every refusal before any model loads."""
        if not self.models:
            raise UserError("--model: give at least one model")
        repeated = sorted({m for m in self.models if self.models.count(m) > 1})
        if repeated:
            raise UserError(f"--model repeats {', '.join(repeated)}; give each model once")
        require_non_negative("--seed", self.seed)
        require_at_least("--random-draws", self.n_random, 1)
        require_at_least("--components", self.attention.n_components, 1)
        require_at_least("--heads", self.attention.heads_per_component, 1)
        check_device(self.device)
        for spec in self.models:
            model_type = model_type_of(spec)
            if not has_attention(model_type):
                raise UserError(f"--model {spec}: a {model_type!r} model has no attention, so no W_QK to analyse")

    def fingerprint(self) -> dict:
        """What makes two runs the same run (not where it is written, nor the device)."""
        return {
            "models": list(self.models),
            "seed": self.seed,
            "n_random": self.n_random,
            "attention": asdict(self.attention),
            "target": TARGET,
            "counts": list(COUNTS),
        }


@dataclass
class ModelResult:
    """What one model gives experiments B and C."""

    forms: BasisForms
    summary: dict
    """facts, n_matrices and experiment C (JSON-ready)."""


def _state_path(out: Path, index: int) -> Path:
    return out / "state" / f"model-{index}.safetensors"


def _save_state(path: Path, result: ModelResult) -> None:
    tensors = {name: np.asarray(getattr(result.forms, name)) for name in _TENSORS}
    metadata = {
        "format": STATE_FORMAT,
        "spec": result.forms.spec,
        "d_head": str(result.forms.d_head),
        "d_model": str(result.forms.d_model),
        "summary": json.dumps(result.summary),
        "shape": json.dumps(asdict(result.forms.shape)),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_checked(path, tensors, metadata)


def _load_state(path: Path, spec: str) -> ModelResult | None:
    """A finished model's result, or None (missing, damaged, or another model's)."""
    try:
        tensors, metadata = load_checked(path)
    except (FileNotFoundError, DamagedFile):
        return None
    if metadata.get("format") != STATE_FORMAT or metadata.get("spec") != spec:
        return None
    shape = json.loads(metadata["shape"])
    shape = HeadShape(shape["d_model"], shape["d_head"], tuple(shape["n_kv"]), tuple(map(tuple, shape["kv"])))
    forms = BasisForms(
        spec=spec,
        d_head=int(metadata["d_head"]),
        d_model=int(metadata["d_model"]),
        shape=shape,
        **{name: (torch.from_numpy(tensors[name]) if name.startswith("head") else tensors[name]) for name in _TENSORS},
    )
    return ModelResult(forms, json.loads(metadata["summary"]))


def analyse_model(spec: str, config: QKPCAConfig, index: int) -> ModelResult:
    """Load one model, read every head, and run experiment B's forms and experiment C on it."""
    lm = load_lm(spec, device=config.device)
    heads = head_weights(lm)
    forms = basis_forms(spec, heads, config.seed + index)
    shares = head_shares(lm, builtin_texts())
    components = top_components(heads, shares, config.attention)
    summary = {
        "facts": lm.facts.to_dict(),
        "n_matrices": int(len(heads.layer_of)),
        "attention": {
            "n_texts": shares.n_texts,
            "n_queries": shares.n_queries,
            "uniform": dict(zip(CATEGORIES, shares.uniform.tolist())),
            "all_heads": dict(zip(CATEGORIES, shares.shares.reshape(-1, len(CATEGORIES)).mean(0).tolist())),
            "components": [component.to_dict() for component in components],
        },
    }
    return ModelResult(forms, summary)


@dataclass
class QKPCAResult:
    """Experiments B and C on every model: the qk_pca.json document."""

    config: QKPCAConfig
    document: dict
    """The qk_pca.json document (`build_document`)."""

    def save(self, out: Path) -> Path:
        """Write qk_pca.json (schema-checked), the figures and report.html into `out`; returns the report's path."""
        from semphys.experiments.phase.qk_report import write_figures, write_report

        out = COMMAND.claim(out, self.config.fingerprint())
        check_document(self.document, SCHEMA_FILE)
        write_text_atomic(out / "qk_pca.json", to_json(self.document))
        figures = write_figures(self.document, out)
        return write_report(self.document, figures, out)


def run(config: QKPCAConfig, log: Log = quiet, work: Path | None = None) -> QKPCAResult:
    """Experiments B and C on every model. With a `work` directory, each finished model is kept in
    `work/state/` and read back by a resumed run."""
    results = []
    for index, spec in enumerate(config.models):
        state = None if work is None else _state_path(work, index)
        result = None if state is None else _load_state(state, spec)
        if result is None:
            log(f"qk-pca: {spec} ({index + 1} of {len(config.models)})")
            result = analyse_model(spec, config, index)
            if state is not None:
                _save_state(state, result)
        else:
            log(f"qk-pca: {spec} read from {state}")
        results.append(result)
    document = build_document(config, results)
    for row, claim in zip(document["summary"], document["claims"]):
        log(
            f"  {' + '.join(row['models']):>24}  {row['form']:<9} 90% at {row['components_to_target']:>3} "
            f"components (random: {row['random_components_to_target']}), at 32: {row['at_32']:.3f} "
            f"(random draws median {claim['nulls'][0]['p50']:.3f}, p {claim['p']:.3f})  {claim['outcome']}"
        )
    return QKPCAResult(config, document)


def _generator(seed: int, curve: str) -> torch.Generator:
    """The random-weight null of one curve, seeded by the run's seed and the curve's name alone."""
    return torch.Generator().manual_seed(seed * 2**32 + zlib.crc32(curve.encode()))


def build_document(config: QKPCAConfig, results: list[ModelResult]) -> dict:
    """The qk_pca.json document (see qk_pca.schema.json): one claim and one summary row per curve."""
    models, curves = {}, []
    n = config.n_random
    for result in results:
        spec = result.forms.spec
        own = {
            "head_spec": head_spec_curve([result.forms], n, _generator(config.seed, f"head_spec:{spec}")),
            "residual": residual_curve(result.forms, n, _generator(config.seed, f"residual:{spec}")),
        }
        models[spec] = {**result.summary, "curves": {k: c.to_dict() for k, c in own.items()}}
        curves += own.values()
    pooled = [
        head_spec_curve(group, n, _generator(config.seed, "head_spec:" + "+".join(g.spec for g in group)))
        for group in pooled_groups([r.forms for r in results])
    ]
    curves += pooled
    claims: list[Claim] = decide([basis_claim(curve) for curve in curves])
    return {
        "schema": SCHEMA,
        "config": {**config.fingerprint(), "device": config.device},
        "models": models,
        "pooled": [curve.to_dict() for curve in pooled],
        "side_by_side": _unpooled([r.forms for r in results]),
        "claims": [claim.to_dict() for claim in claims],
        "summary": [_summary_row(curve) for curve in curves],
        "provenance": collect_provenance(),
    }


def _unpooled(forms: list[BasisForms]) -> list[str]:
    """Models that share d_head with no other model given: shown side by side only."""
    counts: dict[int, int] = {}
    for item in forms:
        counts[item.d_head] = counts.get(item.d_head, 0) + 1
    return [item.spec for item in forms if counts[item.d_head] == 1]


def _summary_row(curve: BasisCurve) -> dict:
    """The descriptive numbers of one curve (its claim row decides; this row only describes)."""
    return {
        "models": list(curve.models),
        "form": curve.form,
        "key": curve.key,
        "n_samples": curve.n_samples,
        "components_to_target": curve.measured.components_to_target,
        "random_components_to_target": curve.random.components_to_target,
        "at_16": curve.measured.at[COUNTS[0]],
        "at_32": curve.measured.at[COUNTS[1]],
        "random_at_32": curve.random.at[COUNTS[1]],
        "random_draws_median_at_32": float(np.median(curve.random_draws)),
        "scrambled_at_32": None if curve.scrambled is None else curve.scrambled.at[COUNTS[1]],
    }
