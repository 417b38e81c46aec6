"""How spec 001's success criteria are judged: statistics of every curve, their nulls, and the claims.

curve_statistics  the per-prompt statistics, the same on real and null curves
controls          random-direction and label-shuffle nulls
nulls             null draws at the real sample size, the smooth-rise null, the nested bootstrap
bootstrap         fit intervals over anchor sentences (spec 001 §実験2)
summary           per-variant summaries and the sign check
claims            the criteria as evidence claims (decided by `semphys.evidence.decide`), the headline
"""
