"""Settings modules: ``base`` (environment-driven, demo and development), ``production`` and ``test``."""
