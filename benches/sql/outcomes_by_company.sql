-- DuckDB equivalent of queries/outcomes_by_company.toml (resolution columns).
SELECT company, count(*) AS stories,
       count(*) FILTER (WHERE resolution = 'resolved') AS resolved,
       count(*) FILTER (WHERE resolution = 'unresolved') AS unresolved,
       count(*) FILTER (WHERE resolution NOT IN ('resolved', 'unresolved')) AS resolution_unknown,
       count(*) FILTER (WHERE resolution = 'resolved') / nullif(count(*) FILTER (WHERE resolution IN ('resolved', 'unresolved')), 0) AS resolution_rate,
       count(*) FILTER (WHERE sentiment = 'negative') AS "sentiment:negative_k"
FROM read_parquet('{tables}/interactions.parquet')
GROUP BY company ORDER BY stories DESC, company;
