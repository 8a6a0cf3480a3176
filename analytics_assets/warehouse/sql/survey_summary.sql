-- One row per survey: whether it is archived, responses, completion, NPS and the mean
-- normalised rating.
-- NPS = 100 x (promoters 9-10 - detractors 0-6) / answers, null without answers.
-- Archived surveys (Formbricks 5.3+ `archivedAt`; the column is declared, so it exists, null,
-- on older servers): Formbricks' daily job deletes a survey archived more than 30 days ago with
-- its responses (`SURVEY_ARCHIVE_RETENTION_DAYS`), hence `purge_after`.
WITH response_counts AS (
    SELECT survey_id, count(*) AS responses,
           count(*) FILTER (WHERE finished) AS finished_responses
    FROM analytics_marts.live_responses GROUP BY survey_id
),
nps AS (
    SELECT survey_id, count(*) AS nps_answers,
           count(*) FILTER (WHERE score >= 9) AS promoters,
           count(*) FILTER (WHERE score <= 6) AS detractors
    FROM analytics_marts.nps_answers GROUP BY survey_id
),
ratings AS (
    SELECT a.survey_id, count(*) AS rating_answers,
           avg(CAST(a.value_number AS DOUBLE PRECISION) / q.rating_range) AS mean_rating
    FROM analytics_marts.live_answers a
    JOIN analytics_marts.questions q
      ON q.survey_id = a.survey_id AND q.question_id = a.question_id
    WHERE q.question_type = 'rating' AND q.rating_range > 0 AND a.value_number IS NOT NULL
    GROUP BY a.survey_id
)
SELECT s.id AS survey_id, s.name AS survey_name, s.status,
       s.archived_at,
       s.archived_at IS NOT NULL AS is_archived,
       s.archived_at + INTERVAL '30 days' AS purge_after,
       coalesce(rc.responses, 0) AS responses,
       coalesce(rc.finished_responses, 0) AS finished_responses,
       CASE WHEN rc.responses > 0
            THEN CAST(rc.finished_responses AS DOUBLE PRECISION) / rc.responses END
           AS completion_rate,
       coalesce(n.nps_answers, 0) AS nps_answers,
       coalesce(n.promoters, 0) AS promoters,
       coalesce(n.detractors, 0) AS detractors,
       CASE WHEN n.nps_answers > 0
            THEN CAST(100.0 * (n.promoters - n.detractors) AS DOUBLE PRECISION) / n.nps_answers
       END AS nps,
       coalesce(ra.rating_answers, 0) AS rating_answers,
       ra.mean_rating AS mean_rating_normalized
FROM analytics_marts.live_surveys s
LEFT JOIN response_counts rc ON rc.survey_id = s.id
LEFT JOIN nps n ON n.survey_id = s.id
LEFT JOIN ratings ra ON ra.survey_id = s.id
ORDER BY s.id
