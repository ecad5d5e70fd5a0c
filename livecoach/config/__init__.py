"""Configuration: TOML files -> validated frozen dataclasses (all validation in one place)."""
