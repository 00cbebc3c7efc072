"""Synthetic WRP extracts that follow the contract (see `sample_data.generator`).

`sample_data/demo/` holds the bundled demo extract (seed 7) the dashboard opens
by default.
"""
