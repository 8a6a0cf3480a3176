-- Numeric answers to nps questions, with the response they belong to (a view).
SELECT r.id AS response_id, r.survey_id, r.created_at, r.person_id,
       a.question_id, a.value_number AS score
FROM analytics_marts.live_responses r
JOIN analytics_marts.live_answers a ON a.response_id = r.id
JOIN analytics_marts.questions q ON q.survey_id = a.survey_id AND q.question_id = a.question_id
WHERE q.question_type = 'nps' AND a.value_number IS NOT NULL
