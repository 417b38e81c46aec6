"""semphys.experiments.sweep.spec: the sweep spec, its grid, its fingerprint, and errors that name line and key."""

from pathlib import Path

import pytest

from semphys.core.errors import UserError
from semphys.experiments.sweep.grids import LANGEVIN_DEFAULTS, settings_label
from semphys.experiments.sweep.spec import load_sweep_spec, parse_sweep_spec

FULL = """models: [embedded, minilm]
words: {names: [bank, bat, crane]}
phase:
  primary_mode: [per-layer, final]
  fits: [[second_order, tanh, step], [second_order]]
  seed: [0, 1]
  n_bootstrap: 50
qk_pca: false
langevin:
  temperature: [0.02, 0.1]
  particles: 500
device: cpu
batch_words: 4
retries: 2
"""


def test_full_spec_and_its_grid() -> None:
    spec = parse_sweep_spec(FULL, "s.yaml")
    assert spec.models == ("embedded", "minilm") and spec.words.names == ("bank", "bat", "crane")
    assert (spec.qk_pca, spec.device, spec.batch_words, spec.retries) == (False, "cpu", 4, 2)
    points = spec.phase_points()
    assert len(points) == 2 * 2 * 2
    assert points[0] == {
        "primary_mode": "per-layer",
        "fits": ("second_order", "tanh", "step"),
        "seed": 0,
        "n_bootstrap": 50,
    }
    assert settings_label(points[-1]) == "primary_mode=final,fits=second_order,seed=1,n_bootstrap=50"
    langevin = spec.langevin_points()
    assert [p["temperature"] for p in langevin] == [0.02, 0.1]
    assert langevin[0] == LANGEVIN_DEFAULTS | {"temperature": 0.02, "particles": 500}


def test_a_list_of_fit_types_is_one_setting_not_an_axis() -> None:
    spec = parse_sweep_spec("models: [minilm]\nwords: {names: [bank]}\nphase: {fits: [second_order, tanh]}\n")
    assert spec.phase_points() == [{"fits": ("second_order", "tanh")}]


def test_fingerprint_names_what_is_computed_not_how() -> None:
    base = parse_sweep_spec(FULL)
    assert base.fingerprint() == parse_sweep_spec(FULL.replace("batch_words: 4", "batch_words: 9")).fingerprint()
    assert base.fingerprint() != parse_sweep_spec(FULL.replace("crane", "bass")).fingerprint()
    assert base.fingerprint() != parse_sweep_spec(FULL.replace("seed: [0, 1]", "seed: [0, 2]")).fingerprint()


def test_prompts_file_is_read_relative_to_the_spec_and_fingerprinted_by_content(tmp_path: Path) -> None:
    words = tmp_path / "words.yaml"
    words.write_text("words: {}\n")
    spec_path = tmp_path / "s.yaml"
    spec_path.write_text("models: [minilm]\nwords: {prompts: words.yaml}\n")
    spec = load_sweep_spec(spec_path)
    assert spec.words.prompts == words
    before = spec.fingerprint()
    words.write_text("words: {bank: {}}\n")
    assert spec.fingerprint() != before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: [minilm]\n", "s.yaml:1: <top>: missing key 'words'; required: models, words"),
        ("models: [minilm]\nwords: {wordnet: 5}\nwordz: 1\n", "s.yaml:3: wordz: unknown key; allowed: models, words"),
        ("models: [minilm]\nwords: {wordnet: 5, names: [bank]}\n", "s.yaml:2: words: give exactly one of wordnet"),
        ("models: [minilm]\nwords: {wordnet: 0}\n", "s.yaml:2: words.wordnet: must be at least 1, got 0"),
        ("models: []\nwords: {wordnet: 5}\n", "s.yaml:1: models: no models"),
        (
            "models: [minilm]\nwords: {names: [bank]}\nphase:\n  primary_mode: [per-layer, last]\n",
            "s.yaml:4: phase.primary_mode: unknown direction mode 'last': choose one of final, per-layer",
        ),
        ("models: [minilm]\nwords: {wordnet: 5}\nphase:\n  thresholds: 1\n", "s.yaml:4: phase.thresholds: unknown key"),
        (
            "models: [minilm]\nwords: {names: [bank]}\nphase:\n  fits: [second_order, cubic]\n",
            "s.yaml:4: phase.fits: fits must be distinct fit types",
        ),
        (
            "models: [minilm]\nwords: {wordnet: 5}\nphase:\n  n_bootstrap: []\n",
            "s.yaml:4: phase.n_bootstrap: empty list",
        ),
        (
            "models: [minilm]\nwords: {wordnet: 5}\nlangevin: {temperature: [0.1, -1]}\n",
            "s.yaml:3: langevin.temperature: temperature must be positive, got -1",
        ),
        (
            "models: [minilm]\nwords: {wordnet: 5}\nlangevin: {seed: 1}\n",
            "s.yaml:3: langevin: missing key 'temperature'",
        ),
        (
            "models: [minilm]\nwords: {wordnet: 5}\ndevice: tpu\n",
            "s.yaml:3: device: unknown device 'tpu'; allowed: cpu, cuda",
        ),
        ("models: [minilm]\nwords: {wordnet: 5}\nretries: -1\n", "s.yaml:3: retries: must be at least 0, got -1"),
        ("models: [minilm]\nwords: {wordnet: 5}\nqk_pca: maybe\n", "s.yaml:3: qk_pca: expected true or false"),
        ("models: [minilm\nwords: {wordnet: 5}\n", "s.yaml:2: malformed YAML"),
        (
            "models: [minilm]\nwords: {wordnet: 5}\nphase: {seed: abc}\n",
            "s.yaml:3: phase.seed: expected an integer, got the value 'abc'",
        ),
        (
            "models: [minilm]\nwords: {wordnet: 5}\nphase: {n_bootstrap: 1.5}\n",
            "s.yaml:3: phase.n_bootstrap: expected an integer",
        ),
        (
            "models: [minilm]\nwords: {names: [bank]}\nphase: {final_norm: 1}\n",
            "s.yaml:3: phase.final_norm: expected true or false",
        ),
        (
            "models: [minilm]\nwords: {names: [bank]}\nphase: {ci_level: .nan}\n",
            "s.yaml:3: phase.ci_level: must be a finite number, got .nan",
        ),
        (
            "models: [minilm]\nwords: {wordnet: 5}\nlangevin: {temperature: .inf}\n",
            "s.yaml:3: langevin.temperature: must be a finite number, got .inf",
        ),
        ("", "s.yaml: empty file"),
    ],
)
def test_mistakes_name_line_and_key(text: str, message: str) -> None:
    with pytest.raises(UserError) as caught:
        parse_sweep_spec(text, "s.yaml")
    assert str(caught.value).startswith(message)


def test_unknown_model_is_named_with_its_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        UserError, match=r"^s.yaml:3: models\[1\]: unknown model spec 'no-such-model'.*available offline"
    ):
        parse_sweep_spec("models:\n  - minilm\n  - no-such-model\nwords: {wordnet: 5}\n", "s.yaml")


def test_missing_spec_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="sweep spec .* does not exist"):
        load_sweep_spec(tmp_path / "nope.yaml")


def test_yaml_integers_read_as_yaml_says() -> None:
    """`010` crashed the reader with ValueError; YAML 1.1 reads it as octal 8."""
    spec = parse_sweep_spec("models: [minilm]\nwords: {wordnet: 5}\nphase: {seed: [010, 0x10, 1_000]}\n", "s.yaml")
    assert dict(spec.phase)["seed"] == (8, 16, 1000)


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("{hint} {prompt} {0}", "has the field {0}"),
        ("{hint} {prompt} {word}", "has the field {word}"),
        ("{hint.upper} {prompt}", "has the field {hint.upper}"),
        ("{hint:>40} {prompt}", "takes no format spec or conversion"),
        ("{hint!r} {prompt}", "takes no format spec or conversion"),
        ("{hint} {prompt} }", "is not a format string"),
        ("{hint} {{prompt}}", "must contain {hint} and {prompt}"),
    ],
)
def test_a_hint_template_with_another_field_is_refused_naming_file_line_and_key(
    refused, tmp_path, template, fragment
) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"models: [minilm]\nwords: {{names: [bank]}}\nphase:\n  hint_template: '{template}'\n")
    line = refused("sweep", "plan", str(path), match=fragment)
    assert "s.yaml:4: phase.hint_template:" in line


def test_a_hint_template_with_escaped_braces_is_accepted() -> None:
    from semphys.phase import PhaseConfig

    assert PhaseConfig(hint_template="{{{hint}}}: {prompt}").hint_template == "{{{hint}}}: {prompt}"
