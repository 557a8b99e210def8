#!/usr/bin/env python3
"""Builds the name lists the tagger uses to tell people and places from companies.

    python3 tools/lexicon/build.py --corpora ../shared/corpora --out src/tag/data

Writes, one entry per line, sorted, deterministic:
  first_names.txt  US census 1990 first names (male and female, all of them), title case.
                   Public domain (US Census Bureau).
  surnames.txt     the 20,000 most frequent US census 1990 surnames, title case. Public domain.
  places.txt       city, state/region and country names of GeoNames' world-cities list, as
                   written there (Latin script only). CC BY 4.0, GeoNames (geonames.org).
  common_words.txt the 6,000 most frequent lower-case words of the UD English-EWT training
                   treebank (word counts only; no text of it). Universal Dependencies, CC BY-SA 4.0.
A discovered organisation name that is a person's name ("Dave Carroll") or a place
("Zurich") is not a company.
"""
import argparse
import csv
import os


def first_names(corpora):
    base = os.path.join(corpora, "names-places", "us-census-1990-names")
    out = set()
    for fn in ("dist.male.first", "dist.female.first"):
        with open(os.path.join(base, fn), encoding="ascii") as f:
            for line in f:
                name = line.split()[0] if line.strip() else ""
                if name.isalpha():
                    out.add(name.title())
    return sorted(out)


def surnames(corpora, n=20000):
    path = os.path.join(corpora, "names-places", "us-census-1990-names", "dist.all.last")
    out = []
    with open(path, encoding="ascii") as f:
        for line in f:
            name = line.split()[0] if line.strip() else ""
            if name.isalpha():
                out.append(name.title())
            if len(out) >= n:
                break
    return sorted(set(out))


def places(corpora):
    path = os.path.join(corpora, "names-places", "geonames-world-cities", "world-cities.csv")
    out = set()
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for key in ("name", "country", "subcountry"):
                v = (row.get(key) or "").strip()
                if v and all(ord(c) < 0x250 for c in v) and len(v) > 2:
                    out.add(v)
    return sorted(out)


def common_words(corpora, n=6000):
    path = os.path.join(corpora, "ud-english-ewt", "en_ewt-ud-train.conllu")
    counts = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 4 or "-" in cols[0] or "." in cols[0]:
                continue
            w = cols[1]
            if w.isalpha() and w == w.lower():
                counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return sorted(w for w, _ in ranked)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", required=True, help="the shared corpora folder")
    ap.add_argument("--out", required=True, help="folder to write the lists to")
    a = ap.parse_args()
    for name, items in (("first_names.txt", first_names(a.corpora)),
                        ("surnames.txt", surnames(a.corpora)),
                        ("places.txt", places(a.corpora)),
                        ("common_words.txt", common_words(a.corpora))):
        with open(os.path.join(a.out, name), "w", encoding="utf-8", newline="\n") as f:
            for x in items:
                f.write(x + "\n")
        print(f"{name}: {len(items)}")


if __name__ == "__main__":
    main()
