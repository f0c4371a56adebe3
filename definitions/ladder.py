"""The starting ladder: Name/Inquiry → MQL → SAL → SQL/Opportunity → Customer.

Criteria follow the lead ladder of “Is it a Lead or Not? Getting Marketing and
Sales to Agree”: a lead has direct contact information, is within the target
profile, asked for more information and gave permission to follow up; an opportunity adds a
demonstrated need, a verified budget and proof that the contact decides or influences.
"""

STARTING_LADDER = [
    {
        "key": "inquiry",
        "level": "inquiry",
        "name": "Name / Inquiry",
        "meaning": "Contact data with no context: a name, not yet a lead.",
        "owner": "Marketing",
        "routing": "Nurture",
        "follow_up": "Enters nurture within 5 working days",
        "criteria": [
            {
                "key": "inquiry-contact",
                "statement": "We have a way to reach the person",
                "guidance": "An e-mail address or a phone number.",
                "evidence": "stated",
                "rule": {"field": "email", "operator": "is_present", "value": None},
            }
        ],
    },
    {
        "key": "mql",
        "level": "lead",
        "name": "Marketing Qualified Lead",
        "meaning": "A person in our target profile who asked to hear from us.",
        "owner": "Marketing",
        "routing": "Inside sales",
        "follow_up": "Contacted within 48 h",
        "criteria": [
            {
                "key": "mql-direct-contact",
                "statement": "Has direct contact information",
                "guidance": "A direct phone line, not a switchboard.",
                "evidence": "stated",
                "rule": {"field": "phone", "operator": "is_present", "value": None},
            },
            {
                "key": "mql-target-profile",
                "statement": "Is within the target profile",
                "guidance": "Company of 50 employees or more in a market we serve.",
                "evidence": "verified",
                "rule": {"field": "company_size", "operator": "at_least", "value": 50},
            },
            {
                "key": "mql-asked",
                "statement": "Asked for more information",
                "guidance": "A demo request, a contact form, a call: not a download alone.",
                "evidence": "stated",
                "rule": {"field": "asked_for_information", "operator": "is_true", "value": None},
            },
            {
                "key": "mql-permission",
                "statement": "Gave permission to follow up",
                "guidance": "Opted in to be contacted by sales.",
                "evidence": "stated",
                "rule": {"field": "permission_to_follow_up", "operator": "is_true", "value": None},
            },
        ],
    },
    {
        "key": "sal",
        "level": "accepted",
        "name": "Sales Accepted Lead",
        "meaning": "Sales has looked at the lead and agrees to work it.",
        "owner": "Inside sales",
        "routing": "Inside sales",
        "follow_up": "Accepted or returned within 2 working days",
        "criteria": [
            {
                "key": "sal-seniority",
                "statement": "The contact is at manager level or above",
                "guidance": "Individual contributors rarely start a purchase.",
                "evidence": "verified",
                "rule": {"field": "seniority", "operator": "at_least", "value": "manager"},
            }
        ],
    },
    {
        "key": "sql",
        "level": "opportunity",
        "name": "Sales Qualified Lead / Opportunity",
        "meaning": "A real buying process: need, budget and authority are known.",
        "owner": "Field sales",
        "routing": "Field sales",
        "follow_up": "Discovery call within 5 working days",
        "criteria": [
            {
                "key": "sql-need",
                "statement": "Has a demonstrated need",
                "guidance": "The prospect described the problem in their own words.",
                "evidence": "stated",
                "rule": {"field": "need_evidence", "operator": "at_least", "value": "stated"},
            },
            {
                "key": "sql-budget",
                "statement": "Has a verified budget",
                "guidance": "Budget confirmed by the prospect and checked, not assumed.",
                "evidence": "verified",
                "rule": {"field": "budget_evidence", "operator": "at_least", "value": "verified"},
            },
            {
                "key": "sql-authority",
                "statement": "The contact decides or influences the decision",
                "guidance": "Proof, not a feeling: who signs, who else is involved.",
                "evidence": "verified",
                "rule": {
                    "field": "authority_evidence",
                    "operator": "at_least",
                    "value": "verified",
                },
            },
        ],
    },
    {
        "key": "customer",
        "level": "customer",
        "name": "Customer",
        "meaning": "Signed a contract.",
        "owner": "Account management",
        "routing": "Account management",
        "follow_up": "Onboarding call within 10 working days",
        "criteria": [],
    },
]
