-- Questions with their survey and type (a view: every analytics query joins answers to it).
SELECT s.id AS survey_id, q.id AS question_id, q.type AS question_type,
       q.range AS rating_range, q.headline__default AS headline
FROM analytics_marts.live_surveys s
JOIN analytics_marts.live_survey_questions q ON q._dlt_parent_id = s._dlt_id
