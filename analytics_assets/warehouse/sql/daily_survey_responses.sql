-- One row per UTC day and survey with responses: created, finished, and the day's NPS.
WITH days AS (
    SELECT CAST(created_at AT TIME ZONE 'UTC' AS DATE) AS day, survey_id,
           count(*) AS responses_created,
           count(*) FILTER (WHERE finished) AS responses_finished
    FROM analytics_marts.live_responses
    GROUP BY 1, 2
),
nps AS (
    SELECT CAST(created_at AT TIME ZONE 'UTC' AS DATE) AS day, survey_id,
           count(*) AS nps_answers,
           count(*) FILTER (WHERE score >= 9) AS promoters,
           count(*) FILTER (WHERE score <= 6) AS detractors
    FROM analytics_marts.nps_answers GROUP BY 1, 2
)
SELECT d.day, d.survey_id, d.responses_created, d.responses_finished,
       coalesce(n.nps_answers, 0) AS nps_answers,
       CASE WHEN n.nps_answers > 0
            THEN CAST(100.0 * (n.promoters - n.detractors) AS DOUBLE PRECISION) / n.nps_answers
       END AS nps
FROM days d
LEFT JOIN nps n ON n.day = d.day AND n.survey_id = d.survey_id
ORDER BY d.day, d.survey_id
