"""Every write in meetings: scheduling, invitations, answers, minutes, actions, summaries.

Services are keyword-only and atomic. They raise PermissionDenied for a person who may not
act and ValidationError (naming the field where there is one) for a state that forbids the
action, and write nothing when a rule says no.
"""

from meetings.services.proposals import (
    CLOSED_FOR_PROPOSALS,
    proposal_from_answers,
    reminders_deliver,
    reminders_send,
    vote_from_meeting,
)
from meetings.services.questions import (
    agenda_item_add,
    agenda_item_move,
    agenda_item_remove,
    answer_save,
    answers_save,
    question_add,
    question_remove,
    question_reword,
)
from meetings.services.records import (
    action_item_add,
    action_item_mark,
    confirmation_give,
    minutes_save,
    summary_publish,
)
from meetings.services.scheduling import (
    DEFAULT_AGENDA,
    attendance_record,
    invitation_remove,
    invitations_add,
    meeting_close,
    meeting_reopen,
    meeting_schedule,
    meeting_start,
    meeting_update,
    review_schedule_next,
)

__all__ = [
    "CLOSED_FOR_PROPOSALS",
    "DEFAULT_AGENDA",
    "action_item_add",
    "action_item_mark",
    "agenda_item_add",
    "agenda_item_move",
    "agenda_item_remove",
    "answer_save",
    "answers_save",
    "attendance_record",
    "confirmation_give",
    "invitation_remove",
    "invitations_add",
    "meeting_close",
    "meeting_reopen",
    "meeting_schedule",
    "meeting_start",
    "meeting_update",
    "minutes_save",
    "proposal_from_answers",
    "question_add",
    "question_remove",
    "question_reword",
    "reminders_deliver",
    "reminders_send",
    "review_schedule_next",
    "summary_publish",
    "vote_from_meeting",
]
