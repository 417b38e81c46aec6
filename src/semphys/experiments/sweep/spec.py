"""The sweep spec: a YAML file naming models, a word source and a grid of settings.

    models: [embedded, minilm]          # load_lm specs: embedded, minilm, a hub id, a directory
    words: {names: [bank, bat]}         # exactly one of: names: [...] | prompts: FILE (one phase job per word)
                                        #   | wordnet: N | all (spec 001 at WordNet scale, see below)
                                        #   (may be left out when there is a readout: block: no phase jobs)
    phase:                              # PhaseConfig fields; a list is a grid axis, a scalar is fixed
      primary_mode: [per-layer, final]  #   direction modes
      selection: aicc                   #   fit selection criterion (aicc or aic)
      fits: [[second_order, tanh, step], [second_order]]   # fit types the selection chooses among
      seed: [0, 1]
      n_bootstrap: 50
    qk_pca: true                        # one W_QK PCA job per model and seed (spec 001 exp. 6)
    langevin:                           # optional: temperature-probe jobs (spec 000 4.3) on causal models
      temperature: [0.02, 0.1]          #   a list is a grid axis
      seed: [0]
      prompt: ["The old lighthouse keeper"]
      particles: 2000
      top_k: 16
    readout:                            # optional: the held-out sense readout, one job per model
      n_words: [25, all]                #   and grid point; ReadoutConfig fields, a list is a grid axis:
      pos: n                            #   pos (n, v, a; a list of them is one setting), n_words (N or all),
      seed: [0, 1]                      #   seed, n_null, n_bootstrap, primary_mode, primary_correction,
      n_null: 100                       #   potential_bins, n_bimodal_null
    device: cpu                         # cpu or cuda; on Ray a cuda job asks for one GPU per worker
    batch_words: 8                      # words per worker call: their activations are batched
    retries: 1                          # a failed job is tried again this many times per run

With WordNet words the phase block runs spec 001 at WordNet scale (`semphys phase run --wordnet N | --all`):

    words: {wordnet: all, pos: [n, v]}  # N or all usable words per part of speech; pos n, v, a (default n)
    phase:                              # ScaleSettings fields (`grids.SCALE_KEYS`); a list is a grid axis
      seed: [0, 1]
      transition: [0.4, 0.5]
      n_bootstrap: 200

one job per model and grid point (not per word), whose result is that run's results document (schema
`semphys.phase.wordnet/1`). Its claims are decided on its model alone, so the row across models (the
spread of l_c/L, spec 001 §実験3) needs `semphys phase run` with every model in one run. A per-word
setting (`primary_mode`, `fits`, ...) is refused there, as a WordNet-scale one is with `names` or
`prompts`; to run per-word jobs on WordNet words, list them under `names`.

A readout job runs `semphys phase readout` on one model at one grid point; its result (the job file
under `jobs/`) is that run's readout.json. Its WordNet words are its own (`n_words`, `pos`), not the
`words:` block's; without a `readout:` block there are no readout jobs.

A prompts file is read relative to the spec's directory. Mistakes name the file, the line and the
key (`s.yaml:4: phase.primary_mode: unknown direction mode 'last': choose one of final, per-layer`).
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yaml.nodes import Node, SequenceNode

from semphys.core.errors import UserError
from semphys.core.io import read_user_text
from semphys.core.yamlnodes import NodeReader, compose, node_kind
from semphys.experiments.sweep.grids import (
    ALL_WORDS,
    LANGEVIN_DEFAULTS,
    Grid,
    grid_points,
    langevin_grid,
    phase_grid,
    readout_grid,
)
from semphys.lm import check_model_spec
from semphys.phase.readout.items import PARTS_OF_SPEECH

TOP_KEYS = ("models", "words", "phase", "qk_pca", "langevin", "readout", "device", "batch_words", "retries")
WORD_KEYS = ("wordnet", "names", "prompts")
DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class WordnetWords:
    """`words: {wordnet: N | all, pos: [n, v]}`: the words of spec 001 at WordNet scale (`phase run --wordnet N | --all`)."""

    n_words: int | None
    """Usable words per part of speech; None: all of them (`wordnet: all`)."""
    pos: tuple[str, ...] = ("n",)
    """WordNet parts of speech."""

    @property
    def label(self) -> str:
        """`wordnet:all:n`, `wordnet:3:n,v`: the form of the items' source (`ReadoutItems.source`)."""
        return f"wordnet:{ALL_WORDS if self.n_words is None else self.n_words}:{','.join(self.pos)}"


@dataclass(frozen=True)
class WordSource:
    """Exactly one of the three is set."""

    wordnet: WordnetWords | None = None
    names: tuple[str, ...] | None = None
    prompts: Path | None = None


@dataclass(frozen=True)
class SweepSpec:
    """A parsed sweep spec (see the module docstring)."""

    models: tuple[str, ...]
    words: WordSource | None
    """None only in a spec with a `readout` block and no `words` (then there are no phase jobs)."""
    phase: Grid = ()
    qk_pca: bool = True
    langevin: Grid | None = None
    readout: Grid | None = None
    device: str = "cpu"
    batch_words: int = 8
    retries: int = 1
    source: str = "<spec>"
    """The file the spec was read from (messages only; not part of the fingerprint)."""
    text: str = ""
    """The spec file's text, kept in the sweep directory so `semphys sweep report DIR` can re-plan."""

    @property
    def wordnet_scale(self) -> bool:
        """The phase block runs spec 001 at WordNet scale: one job per model and grid point, not one per word."""
        return self.words is not None and self.words.wordnet is not None

    def phase_points(self) -> list[dict[str, Any]]:
        """Every phase grid point as {key: value}; [{}] when the spec sets nothing."""
        return grid_points(self.phase)

    def langevin_points(self) -> list[dict[str, Any]]:
        """Every Langevin grid point with the defaults filled in; [] without a `langevin` block."""
        if self.langevin is None:
            return []
        return [LANGEVIN_DEFAULTS | point for point in grid_points(self.langevin)]

    def readout_points(self) -> list[dict[str, Any]]:
        """Every readout grid point as {key: value} (only what the spec sets); [] without a `readout` block."""
        return [] if self.readout is None else grid_points(self.readout)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; a prompts file appears with the SHA-256 of its content."""
        document: dict[str, Any] = {"models": list(self.models)}
        if self.words is not None:
            words: dict[str, Any] = {k: v for k, v in dataclasses.asdict(self.words).items() if v is not None}
            if self.words.prompts is not None:
                words["prompts"] = {
                    "path": str(self.words.prompts),
                    "sha256": hashlib.sha256(self.words.prompts.read_bytes()).hexdigest(),
                }
            document["words"] = words
        document |= {
            "phase": {k: list(v) for k, v in self.phase},
            "qk_pca": self.qk_pca,
            "langevin": None if self.langevin is None else {k: list(v) for k, v in self.langevin},
            "device": self.device,
            "batch_words": self.batch_words,
            "retries": self.retries,
        }
        if self.readout is not None:  # absent, not None: a spec without readout keeps its fingerprint
            document["readout"] = {k: list(v) for k, v in self.readout}
        return document

    def fingerprint(self) -> str:
        """16 hex digits naming what this sweep computes (models, words, grids, device), not how it runs."""
        identity = {k: v for k, v in self.to_dict().items() if k not in ("batch_words", "retries")}
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def load_sweep_spec(path: Path) -> SweepSpec:
    """Read and parse a sweep spec file."""
    path = Path(path)
    text = read_user_text(path, "sweep spec", "give a YAML file (format: semphys sweep --help)")
    return parse_sweep_spec(text, str(path), path.parent)


def parse_sweep_spec(text: str, name: str = "<spec>", base_dir: Path = Path(".")) -> SweepSpec:
    """Parse the text of a sweep spec; `name` appears in messages, `base_dir` anchors a prompts file."""
    root = compose(text, name)
    if root is None:
        raise UserError(f"{name}: empty file; expected a mapping with keys models and words")
    reader = NodeReader(name)
    top = reader.mapping(root, "<top>", TOP_KEYS, ("models",))
    if "words" not in top and "readout" not in top:
        raise reader.fail(
            root,
            "<top>",
            "missing key 'words'; required: models, words (words may be left out only in a spec with a readout: block)",
        )
    model_nodes = reader.strings(top["models"][1], "models")
    for i, (item, model) in enumerate(model_nodes):
        try:
            check_model_spec(model)
        except UserError as err:
            raise reader.fail(item, f"models[{i}]", str(err)) from None
    models = tuple(dict.fromkeys(v for _, v in model_nodes))
    if not models:
        raise reader.fail(top["models"][1], "models", "no models; give at least one, e.g. [embedded, minilm]")
    words = _words(reader, top["words"][1], base_dir) if "words" in top else None
    spec = SweepSpec(models=models, words=words, source=name, text=text)
    changes: dict[str, Any] = {}
    if "phase" in top:
        changes["phase"] = phase_grid(reader, top["phase"][1], spec.wordnet_scale)
    if "qk_pca" in top:
        changes["qk_pca"] = _boolean(reader, top["qk_pca"][1], "qk_pca")
    if "langevin" in top:
        changes["langevin"] = langevin_grid(reader, top["langevin"][1])
    if "readout" in top:
        changes["readout"] = readout_grid(reader, top["readout"][1])
    if "device" in top:
        device = reader.scalar(top["device"][1], "device")
        if device not in DEVICES:
            raise reader.fail(top["device"][1], "device", f"unknown device {device!r}; allowed: {', '.join(DEVICES)}")
        changes["device"] = device
    for key, minimum in (("batch_words", 1), ("retries", 0)):
        if key in top:
            changes[key] = reader.integer(top[key][1], key, minimum)
    return dataclasses.replace(spec, **changes)


def _words(reader: NodeReader, node: Node, base_dir: Path) -> WordSource:
    entries = reader.mapping(node, "words", WORD_KEYS + ("pos",))
    sources = [key for key in entries if key in WORD_KEYS]
    if len(sources) != 1:
        raise reader.fail(node, "words", f"give exactly one of {', '.join(WORD_KEYS)}, got {len(sources)}")
    key, value = sources[0], entries[sources[0]][1]
    if "pos" in entries and key != "wordnet":
        where = entries["pos"][0]
        raise reader.fail(where, "words.pos", "applies to WordNet words only (words: {wordnet: N | all, pos: [n, v]})")
    if key == "wordnet":
        pos = _parts_of_speech(reader, entries["pos"][1]) if "pos" in entries else ("n",)
        return WordSource(wordnet=WordnetWords(_wordnet_count(reader, value), pos))
    if key == "names":
        names = tuple(dict.fromkeys(v.strip() for _, v in reader.strings(value, "words.names")))
        if not names:
            raise reader.fail(value, "words.names", "no names; give at least one word")
        return WordSource(names=names)
    path = base_dir / reader.scalar(value, "words.prompts")
    if not path.is_file():
        raise reader.fail(value, "words.prompts", f"prompts file {path} does not exist")
    return WordSource(prompts=path)


def _wordnet_count(reader: NodeReader, node: Node) -> int | None:
    """`words.wordnet`: N (at least 1) or `all` (None)."""
    value = reader.value(node, "words.wordnet")
    if value == ALL_WORDS:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise reader.fail(node, "words.wordnet", f"expected an integer or {ALL_WORDS}, got {node_kind(node)}")
    return reader.integer(node, "words.wordnet", 1)


def _parts_of_speech(reader: NodeReader, node: Node) -> tuple[str, ...]:
    """`words.pos`: one part of speech or a list of them."""
    tags = (
        reader.strings(node, "words.pos")
        if isinstance(node, SequenceNode)
        else [(node, reader.scalar(node, "words.pos"))]
    )
    if not tags:
        raise reader.fail(node, "words.pos", f"empty list; give one or more of {', '.join(PARTS_OF_SPEECH)}")
    for item, tag in tags:
        if tag not in PARTS_OF_SPEECH:
            raise reader.fail(
                item, "words.pos", f"unknown part of speech {tag!r}; allowed: {', '.join(PARTS_OF_SPEECH)}"
            )
    return tuple(dict.fromkeys(tag for _, tag in tags))


def _boolean(reader: NodeReader, node: Node, path: str) -> bool:
    value = reader.value(node, path)
    if not isinstance(value, bool):
        raise reader.fail(node, path, f"expected true or false, got {value!r}")
    return value
