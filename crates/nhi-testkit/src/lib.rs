//! Generates format-valid fake secrets, decoys and planted corpora for tests and benchmarks.
