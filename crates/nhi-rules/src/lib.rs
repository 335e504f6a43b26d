//! Detection rules kept as data, compiled into an aho-corasick prefilter plus regexes, with validators.
