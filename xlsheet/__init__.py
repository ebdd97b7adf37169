"""xlsheet: run a city's annual policy-evaluation round (政策評価) through Excel."""

__version__ = "0.1.0"
