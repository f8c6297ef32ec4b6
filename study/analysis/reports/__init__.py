"""Reports built from survey results: the benchmark workbook and the score export."""
