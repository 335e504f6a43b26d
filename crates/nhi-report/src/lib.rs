//! Renders scan results as table, JSON, JSON Lines, SARIF 2.1.0, CSV and Markdown.
