-- DuckDB equivalent of queries/mentions_vs_subjects.toml.
SELECT label, count(DISTINCT doc) AS named_in_docs,
       count(DISTINCT doc) FILTER (WHERE role <> 'mention') AS party_docs,
       count(DISTINCT doc) - count(DISTINCT doc) FILTER (WHERE role <> 'mention') AS mention_only_docs
FROM read_parquet('{tables}/mentions.parquet')
WHERE "set" = 'company'
GROUP BY label ORDER BY named_in_docs DESC, label;
