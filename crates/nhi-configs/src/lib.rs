//! Parsers for AI-agent/MCP configs, CI workflows, dotenv, cloud CLI credential files and compose files.
