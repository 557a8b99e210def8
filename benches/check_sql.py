#!/usr/bin/env python3
"""Runs the SQL `replyscope sql --dialect duckdb` generates for each query file with DuckDB
on an index's tables, writes each result as a table with `replyscope sql --rows` (the same
report writers `replyscope query` uses), and checks every cell of it against replyscope's
own NAME.csv: texts equal, numbers within 1e-9 (relative, at least 1).

Usage: check_sql.py INDEX_DIR OUT_DIR [REPLYSCOPE_BINARY] [QUERY_FILES...]
OUT_DIR comes from `replyscope query INDEX_DIR QUERY_FILES --format csv --out OUT_DIR`;
the query files default to queries/*.toml, the binary to target/release/replyscope."""
import csv, json, math, pathlib, subprocess, sys, tempfile
import duckdb

ROOT = pathlib.Path(__file__).resolve().parent.parent


def same(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def main(index, out, binary=None, files=None):
    binary = binary or str(ROOT / "target/release/replyscope")
    files = files or sorted(str(p) for p in (ROOT / "queries").glob("*.toml"))
    tables = str(pathlib.Path(index) / "tables")
    gen = subprocess.run([binary, "sql", *files, "--dialect", "duckdb", "--json", "--tables", tables],
                         capture_output=True, text=True)
    if gen.returncode != 0:
        print(gen.stderr)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for s in json.loads(gen.stdout):
            if "error" in s:
                print(f"{s['path']}: {s['error']}"); failures += 1; continue
            name = s["name"]
            res = duckdb.connect().sql(s["sql"])
            cols = res.columns
            rows = pathlib.Path(tmp) / f"{name}.jsonl"
            with open(rows, "w") as f:
                for r in res.fetchall():
                    f.write(json.dumps(dict(zip(cols, r)), default=lambda v: [dict(x) for x in v]) + "\n")
            table_dir = pathlib.Path(tmp) / "tables"
            subprocess.run([binary, "sql", s["path"], "--dialect", "duckdb", "--rows", str(rows),
                            "--out", str(table_dir), "--format", "csv"], check=True, capture_output=True)
            theirs = list(csv.reader(open(table_dir / f"{name}.csv", newline="")))
            ours = list(csv.reader(open(pathlib.Path(out) / f"{name}.csv", newline="")))
            bad = 0
            if len(theirs) != len(ours) or theirs[0] != ours[0]:
                print(f"{name}: DuckDB {len(theirs) - 1} rows, columns {theirs[0][:6]}...; "
                      f"replyscope {len(ours) - 1} rows, columns {ours[0][:6]}...")
                failures += 1
                continue
            for i, (r, o) in enumerate(zip(theirs[1:], ours[1:])):
                for c, x, y in zip(ours[0], r, o):
                    if not same(x, y):
                        bad += 1
                        if bad <= 5:
                            print(f"{name}: row {i + 1} ({o[0]}) column {c}: DuckDB {x!r}, replyscope {y!r}")
            print(f"{name}: {len(ours) - 1} rows x {len(ours[0])} columns {'agree' if bad == 0 else f'{bad} cells differ'}")
            failures += bad > 0
    return failures


if __name__ == "__main__":
    a = sys.argv[1:]
    sys.exit(1 if main(a[0], a[1], a[2] if len(a) > 2 else None, a[3:] or None) else 0)
