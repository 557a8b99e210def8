#!/usr/bin/env python3
"""Runs each benches/sql/NAME.sql with DuckDB on an index's tables and checks that every
column it computes equals the same column of replyscope's NAME.csv (relative error 1e-9),
row by row. Usage: check_sql.py INDEX_DIR OUT_DIR (OUT_DIR from `replyscope query --format csv`)."""
import csv, math, pathlib, sys
import duckdb

def main(index, out):
    sql_dir = pathlib.Path(__file__).parent / "sql"
    tables = str(pathlib.Path(index) / "tables")
    failures = 0
    for sql_file in sorted(sql_dir.glob("*.sql")):
        name = sql_file.stem
        con = duckdb.connect()
        res = con.sql(sql_file.read_text().replace("{tables}", tables))
        cols = res.columns
        rows = res.fetchall()
        ours = list(csv.DictReader(open(pathlib.Path(out) / f"{name}.csv", newline="")))
        if len(rows) != len(ours):
            print(f"{name}: {len(rows)} rows in DuckDB, {len(ours)} in replyscope"); failures += 1; continue
        bad = 0
        for r, o in zip(rows, ours):
            for c, v in zip(cols, r):
                mine = o.get(c)
                if mine is None:
                    print(f"{name}: replyscope has no column {c}"); bad += 1; continue
                if v is None:
                    ok = mine == ""
                elif isinstance(v, (int, float)):
                    ok = mine != "" and math.isclose(float(mine), float(v), rel_tol=1e-6, abs_tol=1e-6)
                else:
                    ok = str(v) == mine
                if not ok:
                    bad += 1
                    if bad <= 5:
                        print(f"{name}: row {r[0]!r} column {c}: DuckDB {v!r}, replyscope {mine!r}")
        print(f"{name}: {len(rows)} rows x {len(cols)} columns {'agree' if bad == 0 else f'{bad} cells differ'}")
        failures += bad > 0
    return failures

if __name__ == "__main__":
    sys.exit(1 if main(sys.argv[1], sys.argv[2]) else 0)
