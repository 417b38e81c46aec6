"""semphys.samadhi: spec 002, the Samadhi model (v2.3), trained on a real labelled token stream.

    config     `SamadhiConfig` (model, §6 defaults) and `SamadhiTrainConfig` (data, optimisation)
    vitakka    Module A: resonance score (§3.1), lateral inhibition, gate, S_0 (§3.2)
    vicara     Module B: refiners (standard / probe_specific), hard / soft Phi, update (§3.3)
    loss       §3.4 stability loss with the InfoNCE estimate of I(S_T; S_0)
    model      `SamadhiModel`: standardisation + A + B + critic; checkpoints
    logs       Module C: Probe Log (§4.1) and Cetana Dynamics Log (§4.2) as JSON Lines, with schemas
    data       windows of token states over WordNet documents labelled by lexname, and noise windows
    train      two-stage training (Vitakka, then each Vicara variant with the §3.4 loss)
    evaluate   held-out figures next to their baselines
    stream     §5 streaming inference over a text, with both logs
    plots      figures of an evaluation
"""
