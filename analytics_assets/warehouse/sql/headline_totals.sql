-- Account-wide totals over every survey, for the headline figures of survey_summary.
SELECT sum(responses), sum(finished_responses), sum(nps_answers), sum(promoters), sum(detractors)
FROM analytics_marts.survey_summary
