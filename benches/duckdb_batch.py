#!/usr/bin/env python3
"""The DuckDB side of the query-batch benchmark: runs every statement of a JSON file written
by `replyscope sql QUERY_FILES --dialect duckdb --json --tables INDEX/tables` on one
connection and fetches the results. Usage: duckdb_batch.py STATEMENTS.json"""
import json, sys
import duckdb

con = duckdb.connect()
for s in json.load(open(sys.argv[1])):
    if "sql" in s:
        con.sql(s["sql"]).fetchall()
