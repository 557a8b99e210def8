#!/usr/bin/env python3
"""Runs every benches/sql/*.sql with DuckDB on an index's tables, one connection, and fetches
the results: the DuckDB side of the query-batch benchmark. Usage: duckdb_batch.py INDEX_DIR"""
import pathlib, sys
import duckdb

tables = str(pathlib.Path(sys.argv[1]) / "tables")
con = duckdb.connect()
for f in sorted((pathlib.Path(__file__).parent / "sql").glob("*.sql")):
    con.sql(f.read_text().replace("{tables}", tables)).fetchall()
