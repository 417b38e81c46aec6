"""The experiments of spec 003 (Omega routing), one module per command.

compare   `semphys routing compare`: options, every variant x seed (resumable in its run directory),
          results.json (+ results.schema.json)
report    the summary as table rows and text, the claims with the seed floor
plots     loss curves, expert load, origin x expert heatmaps
"""
