#!/usr/bin/env python3
"""Runs SQL statements with DuckDB and writes each result as JSON lines, one object per
row (column -> value), for the Rust cross-check to turn into tables and compare with
`replyscope query`'s. Usage: sql_rows.py STATEMENTS.json OUT_DIR, where STATEMENTS.json is
the output of `replyscope sql --dialect duckdb --json`: [{"name", "path", "sql"}, ...]."""
import json, pathlib, sys
import duckdb


def plain(v):
    """A DuckDB value as JSON: lists and structs as arrays and objects."""
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v


def main(statements, out):
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for s in json.load(open(statements)):
        con = duckdb.connect()
        res = con.sql(s["sql"])
        cols = res.columns
        with open(out / f"{s['name']}.jsonl", "w") as f:
            for row in res.fetchall():
                f.write(json.dumps({c: plain(v) for c, v in zip(cols, row)}) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
