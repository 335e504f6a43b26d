//! Enumerates every blob reachable in a git repository's history exactly once, with its first commit.
