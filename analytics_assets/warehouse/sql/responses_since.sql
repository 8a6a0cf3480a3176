-- Responses created since a moment (bound as the one parameter), of surveys still there.
SELECT count(*) FROM analytics_marts.live_responses WHERE created_at >= %s
