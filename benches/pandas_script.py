#!/usr/bin/env python3
"""The script a researcher would write instead of replyscope (the issue-13 baseline): reads a
twcs-format CSV with pandas, finds each customer's opening tweet and the first company reply
to it, and prints per company the openings answered and the median delay, plus how often
customers' tweets name each company handle (pyahocorasick). No index: every run reads and
parses the CSV again. Usage: pandas_script.py TWCS.csv"""
import sys
import ahocorasick
import pandas as pd


def main(path):
    df = pd.read_csv(path, dtype={"tweet_id": "int64", "author_id": "string", "text": "string"})
    df["created_at"] = pd.to_datetime(df["created_at"], format="%a %b %d %H:%M:%S %z %Y")
    inbound = df["inbound"].astype(str).str.lower() == "true"
    company_posts = df[~inbound]
    openings = df[inbound & df["in_response_to_tweet_id"].isna()]
    replies = company_posts.dropna(subset=["in_response_to_tweet_id"]).copy()
    replies["parent"] = replies["in_response_to_tweet_id"].astype("int64")
    first = (
        replies.sort_values("created_at")
        .groupby("parent", as_index=False)
        .first()[["parent", "author_id", "created_at"]]
        .rename(columns={"author_id": "company", "created_at": "replied_at"})
    )
    o = openings.merge(first, left_on="tweet_id", right_on="parent", how="left")
    o["delay"] = (o["replied_at"] - o["created_at"]).dt.total_seconds()
    answered = o.dropna(subset=["company"])
    per_company = answered.groupby("company").agg(answered=("tweet_id", "size"), median_delay=("delay", "median"))
    handles = sorted(set(company_posts["author_id"].dropna()))
    auto = ahocorasick.Automaton()
    for h in handles:
        auto.add_word("@" + h.lower(), h)
    auto.make_automaton()
    counts = dict.fromkeys(handles, 0)
    for text in df.loc[inbound, "text"].dropna():
        for _, h in auto.iter(text.lower()):
            counts[h] += 1
    print(per_company.sort_values("answered", ascending=False).head(10).to_string())
    print(sorted(counts.items(), key=lambda kv: -kv[1])[:10])


if __name__ == "__main__":
    main(sys.argv[1])
