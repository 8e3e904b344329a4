"""`make bench`: the provider measured against IBM's SDK and at scale (see docs/benchmarks.md)."""
