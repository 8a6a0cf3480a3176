"""The sample's content: the words, names and settings its records are made of.

Only data lives here (no logic), so that the generators (`setup_generator.py`,
`survey_generator.py`, `response_generator.py`) read as how records are drawn, not as what
they say. Edit these to change what the sample looks like; every change alters the bytes a
given seed produces.
"""

from __future__ import annotations

SURVEY_NAMES = [
    "Product-Market Fit",
    "Onboarding Experience",
    "Churn Survey",
    "Feature Prioritisation",
    "Quarterly NPS",
    "Pricing Feedback",
    "Support Satisfaction",
    "Website Exit Intent",
    "Beta Program Check-in",
    "Customer Effort Score",
    "Trial Conversion",
    "Mobile App Rating",
]
RATING_HEADLINES = [
    "How easy was it to get started?",
    "How satisfied are you with our support?",
    "How would you rate the new dashboard?",
    "How well does the product meet your needs?",
    "How would you rate the documentation?",
]
CHOICE_QUESTIONS = [
    ("What is your role?", ["Engineering", "Product", "Design", "Marketing", "Founder", "Other"]),
    (
        "How did you hear about us?",
        ["Search", "Friend or colleague", "Social media", "Blog", "Event"],
    ),
    ("Which plan are you on?", ["Free", "Pro", "Enterprise"]),
    ("How often do you use the product?", ["Daily", "Weekly", "Monthly", "Rarely"]),
    ("What would you miss most?", ["Dashboards", "Integrations", "Exports", "Alerts", "API"]),
]
MULTI_QUESTIONS = [
    ("Which features do you use?", ["Surveys", "Insights", "Integrations", "Webhooks", "Exports"]),
    (
        "Which tools do you connect?",
        ["Slack", "Notion", "Zapier", "Airtable", "HubSpot", "Segment"],
    ),
    ("What should we improve?", ["Speed", "Design", "Pricing", "Docs", "Mobile app"]),
]
OPEN_HEADLINES = [
    "What is the main reason for your score?",
    "What could we do better?",
    "Anything else you'd like to tell us?",
    "What almost stopped you from signing up?",
]
OPEN_ANSWERS = [
    "Great product, the setup took five minutes.",
    "Too expensive for a small team.",
    "The API docs could use more examples.",
    "Love the integrations with Slack!",
    "Exports are slow when we have many responses.",
    "Sehr gute Software, aber die Übersetzung ist unvollständig.",
    "Support answered within an hour, très bien.",
    "I miss a dark mode.",
    "Works fine",
    "The new editor is confusing; I couldn't find the logic settings.",
    "We switched from Typeform and don't regret it 👍",
    "Reports should be schedulable by email.",
    "n/a",
]
# Skewed like real NPS answers: most people pick 7 to 10.
NPS_WEIGHTS = [3, 1, 1, 2, 2, 5, 6, 12, 18, 20, 22]
BROWSERS = [("Chrome", 60), ("Safari", 20), ("Firefox", 10), ("Edge", 8), ("Opera", 2)]
OSES = [("Mac OS", 35), ("Windows", 35), ("iOS", 12), ("Android", 12), ("Linux", 6)]
COUNTRIES = [
    ("US", 30), ("DE", 18), ("GB", 10), ("FR", 8), ("NL", 5), ("IN", 6), ("BR", 5),
    ("CA", 5), ("ES", 4), ("AU", 3), ("JP", 3), ("CH", 3),
]  # fmt: skip
TAG_NAMES = ["important", "follow-up", "bug", "feature-request", "churn-risk", "positive"]
TEAM = [("Maria Lopez",), ("Jonas Becker",), ("Priya Shah",)]
NOTES = [
    "Reached out by email.",
    "Shared with the product team.",
    "Duplicate of an earlier complaint.",
    "Customer is on the enterprise trial.",
]
FIRST_NAMES = ["anna", "ben", "chen", "dana", "eli", "fatima", "george", "hana", "ivan", "julia"]
LAST_NAMES = ["smith", "mueller", "garcia", "kim", "rossi", "novak", "okafor", "dubois", "sato"]
COMPANIES = ["Acme Inc", "Globex", "Initech", "Umbrella", "Hooli", "Stark Industries", "Wayne Ent"]
ATTRIBUTE_CLASSES = [
    # (name, type, description)
    ("userId", "automatic", "The internal ID of the person"),
    ("email", "automatic", "The email of the person"),
    ("language", "automatic", "The language used by the person"),
    ("plan", "code", "Billing plan of the account"),
    ("company", "code", "Company the person works for"),
    ("signupDate", "code", "Day the account was created"),
    ("role", "code", "Job role given at signup"),
    ("country", "code", "Billing country"),
    ("seats", "code", "Number of paid seats"),
    ("referrer", "code", "Where the signup came from"),
]
PRICING_VIEW = {"type": "pageView", "urlFilters": [{"value": "/pricing", "rule": "contains"}]}
SIGNUP_CLICK = {
    "type": "click",
    "elementSelector": {"cssSelector": ".btn-signup"},
    "urlFilters": [],
}
BLOG_SCROLL = {
    "type": "fiftyPercentScroll",
    "urlFilters": [{"value": "/blog", "rule": "startsWith"}],
}
HELP_CLICK = {
    "type": "click",
    "elementSelector": {"cssSelector": ".btn", "innerHtml": "Help"},
    "urlFilters": [],
}
ACTION_CLASSES = [
    # (name, type, key or noCodeConfig)
    ("New Session", "automatic", None),
    ("Upgrade Clicked", "code", "upgrade-clicked"),
    ("Pricing Page Viewed", "noCode", PRICING_VIEW),
    ("Export Finished", "code", "export-finished"),
    ("Signup Button Clicked", "noCode", SIGNUP_CLICK),
    ("Invite Sent", "code", "invite-sent"),
    ("Exit Intent", "noCode", {"type": "exitIntent", "urlFilters": []}),
    ("Scrolled Half Way", "noCode", BLOG_SCROLL),
    ("Report Shared", "code", "report-shared"),
    ("Help Clicked", "noCode", HELP_CLICK),
    ("Integration Connected", "code", "integration-connected"),
    ("Trial Expired", "code", "trial-expired"),
]
WEBHOOK_SOURCES = ["user", "zapier", "make", "n8n"]
WEBHOOK_TRIGGERS = ["responseCreated", "responseUpdated", "responseFinished"]

# Where each kind of webhook points.
WEBHOOK_URLS = {
    "user": "https://hooks.acme.io/formbricks",
    "zapier": "https://hooks.zapier.com/hooks/catch/123456/abcdef/",
    "make": "https://hook.eu1.make.com/abc123def456",
    "n8n": "https://n8n.acme.io/webhook/formbricks",
}
EMAIL_DOMAINS = ["example.com", "acme.io", "mail.de", "corp.fr"]
# Values of the optional `source` hidden field.
HIDDEN_SOURCES = ["newsletter", "in-app", "linkedin", "partner"]
# Pages of the customer's app that app surveys show on.
APP_URLS = [
    "https://app.acme.io/dashboard",
    "https://app.acme.io/settings/billing",
    "https://app.acme.io/reports?range=30d",
]
# `?source=` of some link-survey visits.
LINK_REFERRERS = ["newsletter", "twitter", "email"]
