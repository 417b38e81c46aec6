"""The tiny Samadhi run of tests/samadhi/conftest.py, shared with the command tests."""

from samadhi.conftest import (  # noqa: F401  (fixtures, registered by being imported here)
    _private_feature_cache,
    feature_cache,
    long_gpt2_dir,
    tiny_configs,
    tiny_eval,
    tiny_run,
)
