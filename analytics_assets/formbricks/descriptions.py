"""What each column means: the one place the raw tables' and the analytics' columns are described.

Plain data, read by three users: `columns.py` gives the raw tables' texts to dlt as the
`description` column hint (dlt keeps them in its schema, and writes them as column comments on
the destinations that support that); the ingestion report and the analytics step show them in
Dagster's column schema (`component/ingestion/translator.py`, `component/analytics.py`); and the
analytics step writes the analytics' texts as `COMMENT ON COLUMN` after each rebuild.

Columns are named as the warehouse names them (dlt's snake_case: `created_at`,
`meta__user_agent__os`). A raw table's entry describes only columns `columns.py` declares, so a
description never makes dlt expect a column the API does not send. Every column of the four
analytics tables is described; `analytics_assets_tests/test_column_descriptions.py` fails on a
column the SQL adds without a description here.
"""

# Texts every record of the API shares.
_ID = "Formbricks id of the {thing} (cuid); unique in this table."
_CREATED_AT = "ISO 8601 time the {thing} was created (UTC)."
_UPDATED_AT = "ISO 8601 time the {thing} was last changed in Formbricks (UTC)."
_DELETED_AT = (
    "When the loader found the {thing} gone from the API (UTC). Set only with "
    "ANALYTICS_DELETIONS=flag; null while the {thing} exists."
)
_ENVIRONMENT_ID = (
    "Formbricks environment (production or development) the {thing} belongs to, up to "
    "Formbricks 4.x; null from 5.0 (see workspace_id)."
)
# Surveys and webhooks: Formbricks 5.4 sends `environmentId` again, for old integrations.
_ENVIRONMENT_ID_BACK_IN_5_4 = (
    "Formbricks environment (production or development) the {thing} belongs to, up to "
    "Formbricks 4.x; null on 5.0-5.3; from 5.4 the workspace's legacy environment id, else its "
    "workspace id. Not an owner key: group by workspace_id."
)
_WORKSPACE_ID = "Formbricks workspace (project) the {thing} belongs to; from Formbricks 5.0."
_ARCHIVED_AT = (
    "Time the {thing} was archived (UTC); null: not archived, or a server before Formbricks 5.3 "
    "(which sends no archivedAt). Formbricks deletes an archived survey with its responses "
    "30 days after this."
)
_NPS_FORMULA = (
    "100 x (promoters scoring 9-10 minus detractors scoring 0-6) / nps_answers, from -100 to 100"
)


def _record(thing: str) -> dict[str, str]:
    return {
        "id": _ID.format(thing=thing),
        "created_at": _CREATED_AT.format(thing=thing),
        "updated_at": _UPDATED_AT.format(thing=thing),
        "deleted_at": _DELETED_AT.format(thing=thing),
    }


def _owner(thing: str, *, environment_id: str = _ENVIRONMENT_ID) -> dict[str, str]:
    return {
        "environment_id": environment_id.format(thing=thing),
        "workspace_id": _WORKSPACE_ID.format(thing=thing),
    }


# The raw tables dlt loads (dataset `analytics`), and the nested tables people query.
RAW_COLUMN_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "surveys": {
        **_record("survey"),
        "name": "Survey name as shown in Formbricks.",
        "type": "How the survey is shown: `link` (a shareable page) or `app` (inside your app).",
        "status": "Survey status: draft, scheduled, inProgress, paused or completed.",
        **_owner("survey", environment_id=_ENVIRONMENT_ID_BACK_IN_5_4),
        "created_by": "Id of the Formbricks user who created the survey.",
        "display_option": (
            "How often a person sees an app survey: displayOnce, displayMultiple, "
            "respondMultiple or displaySome."
        ),
        "recontact_days": (
            "Days to wait before showing this survey to the same person again; null: the "
            "environment's default."
        ),
        "display_limit": "With display_option displaySome: how many times at most it is shown.",
        "auto_close": "Seconds without interaction before the survey closes itself; null: never.",
        "run_on_date": "Time the survey starts by itself (UTC); null: not scheduled.",
        "close_on_date": "Time the survey closes by itself (UTC); null: not scheduled.",
        "delay": "Seconds to wait after the trigger before the survey is shown.",
        "display_percentage": "Share of matching people (0-100 %) the survey is shown to.",
        "auto_complete": "The survey completes itself after this many responses; null: never.",
        "hidden_fields": (
            "JSON: whether hidden fields are enabled and their ids (their values are in "
            "responses.data)."
        ),
        "welcome_card": "JSON: the welcome card shown before the first question.",
        "single_use": "JSON: whether the survey's links are single-use, and encrypted.",
        "segment": "JSON: the segment of people an app survey targets; null: everyone.",
        "archived_at": _ARCHIVED_AT.format(thing="survey"),
    },
    "surveys__questions": {
        "id": "Question id, unique within its survey; responses__answers.question_id refers to it.",
        "type": (
            "Question type: openText, multipleChoiceSingle, multipleChoiceMulti, nps, rating, "
            "ranking, matrix, ..."
        ),
        "range": "Rating questions: the top of the scale (3, 4, 5, 7 or 10).",
        "scale": "Rating questions: how the scale is drawn (number, smiley or star).",
        "required": "Whether a respondent must answer the question to go on.",
        "headline__default": "Question text in the survey's default language.",
    },
    "action_classes": {
        **_record("action class"),
        "name": "Action name, as triggers of app surveys refer to it.",
        "description": "Description of the action, as written in Formbricks.",
        "type": "How the action is detected: code (sent by the app), noCode or automatic.",
        "key": "Code actions: the key the app sends when the action happens.",
        "no_code_config": "JSON: no-code actions' rule (page view, click, scroll, exit intent).",
        **_owner("action class"),
    },
    "attribute_classes": {
        **_record("attribute class"),
        "name": "Attribute key, e.g. email or userId (the keys of identified_peoples.attributes).",
        "display_name": "Attribute's display name (Formbricks 3.0 and later).",
        "description": "Description of the attribute, as written in Formbricks.",
        "type": (
            "Who defines the attribute: Formbricks 3.0+ default or custom; Formbricks 2.x "
            "automatic, code or noCode."
        ),
        "data_type": "Attribute's value type: string, number or date (Formbricks 3.0 and later).",
        "is_unique": "Whether no two contacts may share a value (Formbricks 3.0 and later).",
        "archived": "Whether the attribute class is archived (Formbricks 2.x).",
        **_owner("attribute class"),
    },
    "identified_peoples": {
        **_record("person"),
        "user_id": "Your app's own id of the person (the userId attribute); null if not set.",
        "attributes": "JSON object of the person's attributes, attribute key -> value.",
        **_owner("person"),
    },
    "responses": {
        **_record("response"),
        "created_at": "ISO 8601 time the response was created (UTC): when the respondent began.",
        "updated_at": (
            "ISO 8601 time the response last changed (UTC): answered further, finished or "
            "edited; tagging does not move it."
        ),
        "survey_id": "Id of the survey answered (surveys.id).",
        "finished": "Whether the respondent reached the end of the survey.",
        "ending_id": "Id of the ending card the respondent reached; null if not finished.",
        "data": (
            "JSON object of the answers, question id -> answer; one row per answer in "
            "responses__answers."
        ),
        "ttc": (
            "JSON object of time to complete in milliseconds, question id -> ms, and `_total` "
            "once finished."
        ),
        "variables": "JSON object of the survey's variables as this response set them.",
        "contact_attributes": (
            "JSON object of the contact's attributes when they responded (Formbricks 3.0 and "
            "later)."
        ),
        "person_attributes": (
            "JSON object of the person's attributes when they responded (Formbricks 2.x)."
        ),
        "meta__source": "Where the response came from: link, app or api; empty if not recorded.",
        "meta__url": "URL of the page the survey was answered on.",
        "meta__user_agent__browser": "Respondent's browser, from its user agent.",
        "meta__user_agent__os": "Respondent's operating system, from its user agent.",
        "meta__user_agent__device": "Respondent's device type: desktop, mobile or tablet.",
        "meta__country": "Respondent's country (ISO 3166-1 alpha-2 code), from the request.",
        "single_use_id": "Id of the single-use link answered; null for ordinary links.",
        "language": "Language the survey was answered in (a code, or `default`).",
        "display_id": "Id of the display (the survey being shown) that led to this response.",
        "contact__id": (
            "Id of the identified contact who responded (identified_peoples.id); null: anonymous."
        ),
        "contact__user_id": "Your app's user id of the contact who responded.",
        "person__id": (
            "Formbricks 2.x: id of the identified person who responded (renamed contact in 3.0)."
        ),
        "person__user_id": "Formbricks 2.x: your app's user id of the person who responded.",
    },
    "responses__answers": {
        "response_id": "Id of the response (responses.id).",
        "survey_id": "Id of the survey answered (surveys.id).",
        "question_id": "Id of the question answered (surveys__questions.id).",
        "value": "The answer as the API sent it, JSON-encoded (a number, a text, a list, ...).",
        "value_number": "The answer when it is a number (nps 0-10, rating 1..range); else null.",
        "value_text": "The answer when it is a text (open text, single choice); else null.",
        "ttc_ms": "Milliseconds the respondent spent on this question (from responses.ttc).",
    },
    "responses__answers__selected": {
        "value": (
            "One option chosen in a multi-select answer (join _dlt_parent_id to "
            "responses__answers._dlt_id)."
        ),
    },
    "responses__tags": {
        "id": "Id of the tag.",
        "created_at": "ISO 8601 time the tag was created (UTC).",
        "updated_at": "ISO 8601 time the tag was last changed (UTC).",
        "name": "Tag name, as a team member tagged the response with it.",
        **_owner("tag"),
    },
    "webhooks": {
        **_record("webhook"),
        "name": "Webhook name; null if none was given.",
        "url": "URL Formbricks posts the events to.",
        "source": "Who made the webhook: user, zapier, make, n8n, ...",
        "triggers": (
            "JSON list of the events it receives: responseCreated, responseUpdated, "
            "responseFinished."
        ),
        "survey_ids": "JSON list of the surveys it reports on; empty: every survey.",
        **_owner("webhook", environment_id=_ENVIRONMENT_ID_BACK_IN_5_4),
    },
}

# Every column of the four analytics tables (dataset `analytics_marts`), from `warehouse/sql/`.
# They count what the raw tables hold now, without rows flagged deleted and without responses of
# surveys that are gone.
ANALYTICS_COLUMN_DESCRIPTIONS: dict[str, dict[str, str]] = {
    "survey_summary": {
        "survey_id": "Id of the survey (surveys.id).",
        "survey_name": "Survey name.",
        "status": "Survey status: draft, scheduled, inProgress, paused or completed.",
        "archived_at": _ARCHIVED_AT.format(thing="survey"),
        "is_archived": (
            "Whether the survey is archived (archived_at is set); always false from servers "
            "before Formbricks 5.3."
        ),
        "purge_after": (
            "Archived surveys: archived_at + 30 days, from when Formbricks' daily purge job "
            "deletes the survey and its responses (they then leave these analytics at the next "
            "sync and the raw tables at the next full refresh); null if not archived."
        ),
        "responses": "Responses to the survey, finished or not.",
        "finished_responses": "Responses that reached the end of the survey.",
        "completion_rate": (
            "finished_responses / responses, from 0 to 1; null for a survey without responses."
        ),
        "nps_answers": "Numeric answers to the survey's nps questions.",
        "promoters": "nps answers scoring 9 or 10.",
        "detractors": "nps answers scoring 0 to 6.",
        "nps": f"Net Promoter Score: {_NPS_FORMULA}; null without nps answers.",
        "rating_answers": "Numeric answers to the survey's rating questions.",
        "mean_rating_normalized": (
            "Mean of the rating answers, each divided by its question's range (1.0 = top mark); "
            "null without rating answers."
        ),
    },
    "daily_survey_responses": {
        "day": "UTC calendar day the responses were created.",
        "survey_id": "Id of the survey (surveys.id).",
        "responses_created": "Responses to the survey created that day.",
        "responses_finished": "Of those, the responses that are finished.",
        "nps_answers": "Numeric answers to nps questions in the responses created that day.",
        "nps": f"Net Promoter Score of that day's answers: {_NPS_FORMULA}; null without any.",
    },
    "person_engagement": {
        "person_id": "Id of the identified person or contact (identified_peoples.id).",
        "user_id": "Your app's own id of the person; null if not set.",
        "attributes": "JSON object of the person's attributes, attribute key -> value.",
        "responses": "Responses the person gave (joined on contact__id, or person__id on 2.x).",
        "first_response_at": "Time of the person's first response (UTC); null without responses.",
        "last_response_at": "Time of the person's latest response (UTC); null without responses.",
        "latest_nps": "Score (0-10) of the person's most recent nps answer; null without any.",
    },
    "choice_answer_distribution": {
        "survey_id": "Id of the survey (surveys.id).",
        "question_id": "Id of the choice question (surveys__questions.id).",
        "question": "Question text in the survey's default language.",
        "question_type": "multipleChoiceSingle or multipleChoiceMulti.",
        "choice": "Option chosen, as its label was answered.",
        "selections": "Answers that chose this option.",
        "question_answers": "Answers to the question in all.",
        "share": (
            "selections / question_answers, from 0 to 1; a multi-select question's shares can "
            "add up to more than 1."
        ),
    },
}
