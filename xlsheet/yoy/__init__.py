"""Year over year: next year's round starts from this year's, and the book compares the two.

- `previous`: what a new round keeps of the round it was started from (前年度.json);
- `carry`: `xlsheet init NEW --from OLD` (master data carried a year on, with a report);
- `diff`: what changed between two rounds (`xlsheet diff OLD NEW`, the book's 前年度比較 sheet).
"""
