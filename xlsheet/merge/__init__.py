"""Step `merge`: the consolidated evaluation book (政策評価表 sheets, tables, SDG matrix; for a
事務事業評価 round the 事務事業評価一覧, its counts, cost totals and one sheet per 事業), PDF, pandas."""

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
