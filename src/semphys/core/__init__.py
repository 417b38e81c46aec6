"""semphys.core: the ground floor every other package stands on. It holds no physics.

errors       UserError and the exit codes (2 for bad input, 143 on SIGTERM)
validate     option checks that raise one-line UserErrors
io, safefile atomic writes, stale temporaries, files that a killed run cannot half-write
jsondoc      strict JSON documents: clean, to_json, crc32, schema_path and check
rundir       run directories claimed by one command and config, locked, resumable
checkpoint   resumable state inside a run directory
yamlnodes    YAML with line numbers, for errors that point at the user's line
paths        the cache root ($SEMPHYS_CACHE)
provenance   versions, machine and git state recorded in every results document
threads      torch and BLAS thread counts
figures      saving matplotlib figures (PNG) and closing them
fixedpoint   fixed-point solvers (Picard, Anderson) shared by the Samadhi and CVFP models
report       HTML reports: sections, tables, figures, one stylesheet
"""

__all__ = [
    "checkpoint",
    "errors",
    "figures",
    "fixedpoint",
    "io",
    "jsondoc",
    "paths",
    "provenance",
    "report",
    "rundir",
    "safefile",
    "threads",
    "validate",
    "yamlnodes",
]
