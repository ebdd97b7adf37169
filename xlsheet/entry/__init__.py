"""Writing one department's entry workbook, one module per concern."""
