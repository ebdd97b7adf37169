"""The review stage: each leading project's lead department (主管所属) decides what its
政策評価表 prints in a review workbook (確認ブック) that goes through the same intake (docs/review.md)."""
