-- survey_id_in_surveys: the first 5 survey ids of responses that are not the id of a loaded
-- survey, each row also carrying how many such survey ids there are and how many responses
-- carry them (no row: every response's survey is loaded).
-- Placeholder (filled by the checks, quoted for the destination): {dataset} the raw tables'
-- schema, e.g. analytics.
SELECT
    survey_id,
    count(*) OVER () AS orphan_survey_ids,
    sum(responses) OVER () AS orphan_responses
FROM (
    SELECT r.survey_id, count(*) AS responses
    FROM {dataset}.responses AS r
    WHERE r.survey_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM {dataset}.surveys AS s WHERE s.id = r.survey_id)
    GROUP BY r.survey_id
) AS orphaned
ORDER BY survey_id
LIMIT 5
