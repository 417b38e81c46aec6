"""semphys.samadhi: spec 002, the Samadhi model (v2.3), trained on a real labelled token stream.

    config     `SamadhiConfig` (model, §6 defaults) and `SamadhiTrainConfig` (data, optimisation)
    vitakka    Module A: resonance score (§3.1), lateral inhibition, gate, S_0 (§3.2)
    vicara     Module B: refiners (standard / probe_specific), hard / soft Phi, update (§3.3)
    loss       §3.4 stability loss with the InfoNCE estimate of I(S_T; S_0)
    model      `SamadhiModel`: standardisation + A + B + critic; checkpoints
    logs       Module C: Probe Log (§4.1) and Cetana Dynamics Log (§4.2) records, with their schemas
    data       windows of token states over WordNet documents labelled by lexname, and noise windows
    train      two-stage training (Vitakka, then each Vicara variant with the §3.4 loss), in memory
    baselines  nearest centroid, linear probes and the spec's untrained Vitakka, the evaluation's nulls
    evaluate   held-out figures next to their baselines
    claims     the evaluation's claims as `evidence.Claim` rows, decided together
    stream     §5 streaming inference over a text, returning both logs' records

The commands (`semphys samadhi train|eval|stream`: run directories, documents, figures, the logs'
files) are `semphys.experiments.samadhi`. Imports `semphys.lm`, `semphys.data`, `semphys.evidence` and
the ground floor, never another subsystem.
"""

from semphys.samadhi.claims import samadhi_claims
from semphys.samadhi.config import SamadhiConfig, SamadhiTrainConfig
from semphys.samadhi.data import ConceptData, load_concept_data
from semphys.samadhi.evaluate import evaluate_samadhi
from semphys.samadhi.logs import validate_log
from semphys.samadhi.model import SamadhiModel
from semphys.samadhi.stream import run_stream, text_windows
from semphys.samadhi.train import SamadhiTraining, train_samadhi

__all__ = [
    "ConceptData",
    "SamadhiConfig",
    "SamadhiModel",
    "SamadhiTrainConfig",
    "SamadhiTraining",
    "evaluate_samadhi",
    "load_concept_data",
    "run_stream",
    "samadhi_claims",
    "text_windows",
    "train_samadhi",
    "validate_log",
]
