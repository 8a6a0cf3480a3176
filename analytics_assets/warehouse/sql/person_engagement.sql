-- One row per identified person: responses given, first and last, the latest NPS answer.
WITH per_person AS (
    SELECT person_id, count(*) AS responses,
           min(created_at) AS first_response_at, max(created_at) AS last_response_at
    FROM analytics_marts.live_responses
    WHERE person_id IS NOT NULL GROUP BY person_id
),
latest_nps AS (
    SELECT person_id, score,
           row_number() OVER (
               PARTITION BY person_id ORDER BY created_at DESC, response_id DESC, question_id
           ) AS recency
    FROM analytics_marts.nps_answers WHERE person_id IS NOT NULL
)
SELECT p.id AS person_id, p.user_id, p.attributes,
       coalesce(pp.responses, 0) AS responses,
       pp.first_response_at, pp.last_response_at,
       ln.score AS latest_nps
FROM analytics_marts.live_people p
LEFT JOIN per_person pp ON pp.person_id = p.id
LEFT JOIN latest_nps ln ON ln.person_id = p.id AND ln.recency = 1
ORDER BY p.id
