"""The experiments of the ground floor `semphys.lm`, one module per command that runs a model.

    check     `semphys lm check`: every reader against the model itself, as text or one JSON document
              (+ check.schema.json)
    capture   `semphys lm capture`: the residual stream at target words, written as one safetensors file

`semphys lm info` only prints a model's facts: the command line calls the library directly.
"""
