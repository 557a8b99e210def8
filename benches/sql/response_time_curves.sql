-- DuckDB equivalent of queries/response_time_curves.toml (counts and latency quantiles;
-- the Kaplan-Meier columns are checked in response_by_company.sql).
SELECT company, count(*) AS stories,
       count(latency_seconds) FILTER (WHERE responded = 'yes' AND latency_kind = 'exact') AS latency_n,
       quantile_cont(latency_seconds, 0.5) FILTER (WHERE responded = 'yes' AND latency_kind = 'exact') AS latency_median,
       quantile_cont(latency_seconds, 0.9) FILTER (WHERE responded = 'yes' AND latency_kind = 'exact') AS latency_p90
FROM read_parquet('{tables}/interactions.parquet')
WHERE basis = 'thread'
GROUP BY company ORDER BY stories DESC, company LIMIT 8;
