"""The commands of spec 001's subsystem (`semphys.phase`), one experiment each.

run               `semphys phase run`: the six experiments and the verdict on every model
results           its results.json (`results.schema.json`)
report, plots     its report.html and figures
readout           `semphys phase readout`: the held-out sense readout and the potential V(sigma, l)
readout_models    the readout's per-model measurement, in memory
readout_results   its readout.json (`readout.schema.json`) and readout.parquet
readout_report    its report.html and figures
qk_pca            `semphys phase qk-pca`: the W_QK basis across models (spec 001 §発展実験 B) and
                  what its top components attend to (§発展実験 C)
qk_report         its report.html and figures (qk_pca.json: `qk_pca.schema.json`)
"""
