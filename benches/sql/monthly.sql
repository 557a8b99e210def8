-- DuckDB equivalent of queries/monthly.toml.
SELECT strftime(opened_at, '%Y-%m') AS month, count(*) AS stories,
       count(*) FILTER (WHERE responded = 'yes') AS answered,
       count(*) FILTER (WHERE responded = 'no') AS unanswered,
       count(*) FILTER (WHERE responded = 'unknown') AS unknown,
       count(*) FILTER (WHERE responded = 'yes') / nullif(count(*) FILTER (WHERE responded IN ('yes', 'no')), 0) AS response_rate
FROM read_parquet('{tables}/interactions.parquet')
GROUP BY month ORDER BY month;
