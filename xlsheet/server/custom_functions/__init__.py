"""xlwings Server requires this package; xlsheet defines no custom (worksheet) functions."""
