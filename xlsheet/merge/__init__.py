"""Step `merge`: the consolidated evaluation book (政策評価表 sheets, tables, SDG matrix), PDF, pandas."""

from .book import MergeResult, book_path, merge_round, write_book
from .consolidate import Consolidated, consolidate
from .frames import frames, round_frames, write_csv

__all__ = [
    "Consolidated",
    "MergeResult",
    "book_path",
    "consolidate",
    "frames",
    "merge_round",
    "round_frames",
    "write_book",
    "write_csv",
]
