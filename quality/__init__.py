"""The quality gate: Soda data contracts (contracts/), verified against the warehouse before
anything is published, and the results kept (checks.py)."""
