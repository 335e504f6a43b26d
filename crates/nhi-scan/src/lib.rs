//! The scan pipeline: walk files and history, decode, detect, parse configs, suppress, aggregate.
