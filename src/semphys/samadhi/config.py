"""`SamadhiConfig` (the model, spec 002 §6 defaults) and `SamadhiTrainConfig` (data and optimisation).

Every field names the part of spec 002 (`seeds/002`, "Samadhi Model v2.3") it comes from, or says
why it is not in the spec. `SamadhiConfig` is what a checkpoint carries (`semphys.core.checkpoint`);
`SamadhiTrainConfig` is written beside it in train.json. (`SamadhiTrainConfig`, not `TrainConfig`:
`semphys.textlm.train.TrainConfig` is another thing.)

Both are checked when they are made (`semphys.core.validate`), before a model loads: every number
finite (a NaN `--tau` otherwise trained NaN probes and wrote bare `NaN` into train.json) and in
range, and 0 either meaningful (`--learned-probes 0`, `--vicara-steps 0`: no such training) or
refused, never "the default". Errors name the option as `semphys samadhi train` spells it.
"""

from dataclasses import asdict, dataclass

from semphys.core.errors import UserError
from semphys.core.validate import (
    require_at_least,
    require_choice,
    require_finite,
    require_non_negative,
    require_positive,
    require_range,
)

VICARA_TYPES: tuple[str, ...] = ("standard", "probe_specific")
"""Spec 002 §2 Module B `vicara_type`: one shared refiner, or one refiner per probe."""

ATTENTION_MODES: tuple[str, ...] = ("hard", "soft")
"""Spec 002 §2 Module B.2: `hard` (winner's refiner; inference), `soft` (probability-weighted; training)."""

SOLVERS: tuple[str, ...] = ("plain", "anderson")
"""`plain`: the spec's loop (§5.4); `anderson`: Anderson acceleration of the same fixed point."""


@dataclass(frozen=True)
class SamadhiConfig:
    """The model. Defaults follow spec 002 §6 where it gives one."""

    d_model: int = 384
    """Width d of the input tokens x_i (§3.1 X in R^{L x d}) and of the state S (§3.2)."""
    concept_labels: tuple[str, ...] = ()
    """Labels of the canonical probes, in probe order (§2 Module A.1 p_canonical): here WordNet
    lexicographer categories, one probe per category."""
    n_learned: int = 8
    """Learned probes (§2 Module A.1 p_learned: latent topics found in the data, k-means on the training
    windows). K = len(concept_labels) + n_learned; §6 recommends K in 16-64."""
    tau: float = 0.1
    """Softmax temperature of the lateral inhibition (§3.1, §6: 0.1-0.2)."""
    theta: float = 0.4
    """Gate threshold on max_k Score_k (§3.2, §6: 0.3-0.5). Meaningful because the features are
    standardised (see `semphys.samadhi.vitakka`): Score_k lies in [0, max_i |x_i| / sqrt(d)], about 1."""
    beta: float = 0.9
    """Update rate of S_{t+1} = (1 - beta) S_t + beta Phi(S_t) (§3.3). The spec gives no value. The
    iteration contracts at best by (1 - beta) per step, so its claim of 5-10 steps to eps = 1e-4 from
    |S_1 - S_0| ~ 10 needs beta of about 0.7 or more; 0.5 would need at least 17 steps. The
    evaluation reports the steps of the trained refiners at beta 0.5, 0.8, 0.9 and 1 (the fixed
    points do not depend on beta)."""
    t_max: int = 20
    """Max refinement steps (§5.4 N, §6: 10-20)."""
    eps: float = 1e-4
    """Convergence threshold on |S_{t+1} - S_t| (§2 Module B.3, §6)."""
    vicara_type: str = "probe_specific"
    """§2 Module B `vicara_type` (§6 recommends `probe_specific`)."""
    refiner_hidden: int = 64
    """Hidden width of each refiner Phi_k (a two-layer tanh MLP; the spec does not fix Phi's form)."""
    refiner_lipschitz: float = 0.5
    """Bound gamma on the Lipschitz constant of each Phi_k (spectral norms of its weights clipped to 1,
    times gamma). With gamma < 1 the update is a contraction (rate <= 1 - beta + beta gamma), so the
    §3.3 limit exists and is unique per refiner (Banach). Not in the spec; it is what makes §3.3's
    `lim |S_{t+1} - S_t| = 0` a guarantee instead of a hope."""
    read_in: bool = True
    """A learned linear map W_in (d x d, initialised to the identity) applied to the standardised
    tokens before §3.1. Not in the spec: without it, Score_k, a norm of an attention-pooled vector,
    sees how peaked and coherent the pooled tokens are but hardly which concept they carry (measured:
    see the README). False gives the spec's X unchanged."""
    probe_scale: float = 0.2
    """Initial norm of each probe: the inverse temperature of the softmax over positions in §3.1
    (p_k^T x_i with |x_i| ~ sqrt(d)); probes are trained afterwards, norm included."""
    lm_spec: str = "minilm"
    """Where X comes from (§5.1 input buffer): the `semphys.lm` model whose residual stream is read."""
    lm_layer: int = 3
    """Layer of `lm_spec` whose token states are X (semphys.lm index convention)."""
    window: int = 32
    """Window size W in tokens (§5.1)."""

    def __post_init__(self) -> None:
        require_choice("vicara_type", self.vicara_type, VICARA_TYPES)
        for name, value in (
            ("d_model", self.d_model),
            ("--window", self.window),
            ("--t-max", self.t_max),
            ("refiner_hidden", self.refiner_hidden),
        ):
            require_at_least(name, value, 1)
        require_non_negative("--learned-probes", self.n_learned)
        if self.n_probes < 1:
            raise UserError("the model needs at least one probe: give concept labels or --learned-probes > 0")
        require_positive("--tau", self.tau)
        require_positive("--eps", self.eps)
        require_positive("probe_scale", self.probe_scale)
        require_finite("--theta", self.theta)
        require_positive("--beta", self.beta)
        if self.beta > 1:
            raise UserError(f"--beta must lie in (0, 1], got {self.beta}")
        require_positive("--lipschitz", self.refiner_lipschitz)
        require_non_negative("--layer", self.lm_layer)
        if not self.lm_spec:
            raise UserError("--model is empty: give minilm, embedded or a model directory")

    @property
    def n_probes(self) -> int:
        """K = canonical + learned probes."""
        return len(self.concept_labels) + self.n_learned

    @property
    def n_refiners(self) -> int:
        """1 for `standard`, K for `probe_specific`."""
        return 1 if self.vicara_type == "standard" else self.n_probes

    def probe_labels(self) -> list[str]:
        """Name of every probe: its concept label, or `learned_<j>`."""
        return [*self.concept_labels, *(f"learned_{j}" for j in range(self.n_learned))]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SamadhiTrainConfig:
    """Data and optimisation of `semphys samadhi train` (none of it is in the spec but §3.4's loss)."""

    n_concepts: int = 45
    """Canonical concepts: the most frequent WordNet lexicographer categories (45 in all)."""
    train_per_concept: int = 300
    """Training documents (windows) per concept, drawn from the corpus's train split."""
    valid_per_concept: int = 50
    """Held-out documents per concept, from the corpus's validation split (split by synset)."""
    noise_fraction: float = 0.5
    """Noise windows per split, as a fraction of its real windows; half random token strings, half
    shuffled real documents, run through the same model."""
    valid_fraction: float = 0.05
    """`semphys.data.load_corpus` validation share (by synset)."""
    vitakka_steps: int = 1000
    """Stage 1 optimiser steps (probes and read-in; see `semphys.samadhi.train`)."""
    vicara_steps: int = 200
    """Stage 2 optimiser steps per Vicara variant (refiners and MI critic, §3.4 loss)."""
    batch_size: int = 128
    learning_rate: float = 3e-3
    weight_decay: float = 0.1
    """AdamW weight decay of stage 1 (pulls the read-in towards the identity and the probes towards 0)."""
    lambda_sparsity: float = 1e-3
    """lambda_1 of §3.4 (the spec gives no value); sum |S_T| is about d times larger than the other terms."""
    lambda_mi: float = 1.0
    """lambda_2 of §3.4 (the spec gives no value); I(S_T; S_0) is in nats."""
    lambda_concept: float = 1.0
    """Weight of the concept cross-entropy on softmax(Score / tau) over the canonical probes (stage 1).
    Not in the spec, whose loss has no term that would teach a probe its concept."""
    lambda_gate: float = 1.0
    """Weight of the gate term (real windows above theta, noise below; stage 1). Not in the spec."""
    gate_margin: float = 0.05
    """Softness of the gate term: softplus((theta - max Score) / margin) for real windows."""
    train_unroll: int = 10
    """Refinement steps unrolled (soft mode) for the §3.4 loss in training."""
    variants: tuple[str, ...] = VICARA_TYPES
    """Vicara variants trained on the same stage-1 Vitakka; the first listed that is `probe_specific`
    (else the first) is the primary one that `stream` uses."""
    seed: int = 0
    batch_tokens: int = 4096
    """Padded-token budget per forward pass of the language model during feature extraction."""
    threads: int = 1
    """Torch threads of training and evaluation (see `semphys.core.threads`): on the shared 2-core machines a
    stage-2 training step took 0.16 s on one thread and 3.4 s on two under load, so one by default."""

    def __post_init__(self) -> None:
        require_at_least("--concepts", self.n_concepts, 1)
        require_at_least("--train-per-concept", self.train_per_concept, 2)
        require_at_least("--valid-per-concept", self.valid_per_concept, 1)
        require_positive("noise_fraction", self.noise_fraction)
        require_range("noise_fraction", self.noise_fraction, 0, 4)
        require_range("valid_fraction", self.valid_fraction, 0, 1)
        require_at_least("--threads", self.threads, 1)
        require_non_negative("--vitakka-steps", self.vitakka_steps)
        require_non_negative("--vicara-steps", self.vicara_steps)
        require_at_least("batch_size", self.batch_size, 2)
        require_at_least("train_unroll", self.train_unroll, 2)
        require_at_least("batch_tokens", self.batch_tokens, 1)
        for name in ("learning_rate", "gate_margin"):
            require_positive(name, getattr(self, name))
        for name in ("weight_decay", "lambda_sparsity", "lambda_mi", "lambda_concept", "lambda_gate"):
            require_non_negative(name, getattr(self, name))
        if not self.variants:
            raise UserError(f"--variants is empty; choose from {', '.join(VICARA_TYPES)}")
        for variant in self.variants:
            require_choice("--variants", variant, VICARA_TYPES)

    @property
    def primary_variant(self) -> str:
        return "probe_specific" if "probe_specific" in self.variants else self.variants[0]

    def to_dict(self) -> dict:
        return asdict(self)


QUICK = SamadhiTrainConfig(n_concepts=16, vitakka_steps=800, vicara_steps=150)
"""`--quick`: 16 concepts (K = 24 with 8 learned probes), 300 + 50 documents each; about 2 minutes."""
