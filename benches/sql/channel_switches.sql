-- DuckDB equivalent of queries/channel_switches.toml.
SELECT company, count(*) AS stories,
       count(*) FILTER (WHERE switched) AS switched,
       count(*) FILTER (WHERE switched) / count(*) AS switch_rate
FROM read_parquet('{tables}/interactions.parquet')
GROUP BY company ORDER BY stories DESC, company;
