"""Tables of numbers in files: CSV, Parquet and JSON, read and written a block of rows at a time."""
