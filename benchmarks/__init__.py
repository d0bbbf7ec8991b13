"""Speed and memory benchmarks (`make bench`); each module exposes ``run() -> list[dict]``."""
