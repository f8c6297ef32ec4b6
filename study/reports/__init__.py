"""Reports built from survey results: spreadsheets for practitioners and researchers."""
