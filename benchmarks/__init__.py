"""apiseed's benchmark: generation, serving, start-up and generated test-suite times.

Run it with `python -m benchmarks` (see benchmarks/README.md).
"""
