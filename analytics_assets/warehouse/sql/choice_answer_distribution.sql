-- One row per choice question and option chosen: selections and share of the question's answers.
WITH choice_answers AS (
    SELECT a.survey_id, a.question_id, a._dlt_id AS answer_row_id, a.value_text,
           q.headline, q.question_type
    FROM analytics_marts.live_answers a
    JOIN analytics_marts.questions q
      ON q.survey_id = a.survey_id AND q.question_id = a.question_id
    WHERE q.question_type IN ('multipleChoiceSingle', 'multipleChoiceMulti')
),
totals AS (
    SELECT survey_id, question_id, count(*) AS question_answers
    FROM choice_answers GROUP BY survey_id, question_id
),
-- A single choice is the answer's text; a multi-select answer lists its options in
-- responses__answers__selected. Older versions also listed every text answer there, so those
-- rows are read only for multi-select answers that have no text.
choices AS (
    SELECT c.survey_id, c.question_id, c.headline, c.question_type, c.value_text AS choice
    FROM choice_answers c WHERE c.value_text IS NOT NULL
    UNION ALL
    SELECT c.survey_id, c.question_id, c.headline, c.question_type, sel.value AS choice
    FROM choice_answers c
    JOIN analytics_marts.live_selected sel ON sel._dlt_parent_id = c.answer_row_id
    WHERE c.question_type = 'multipleChoiceMulti' AND c.value_text IS NULL
)
SELECT c.survey_id, c.question_id, c.headline AS question, c.question_type,
       c.choice, count(*) AS selections, t.question_answers,
       CAST(count(*) AS DOUBLE PRECISION) / t.question_answers AS share
FROM choices c
JOIN totals t ON t.survey_id = c.survey_id AND t.question_id = c.question_id
GROUP BY c.survey_id, c.question_id, c.headline, c.question_type, c.choice, t.question_answers
ORDER BY c.survey_id, c.question_id, selections DESC, c.choice
