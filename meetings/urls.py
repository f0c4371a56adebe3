from django.urls import path

from meetings.views import answers, meetings, preparation, records

app_name = "meetings"

urlpatterns = [
    path("", meetings.meeting_list, name="list"),
    path("new/", meetings.meeting_schedule, name="schedule"),
    path("<int:pk>/", meetings.meeting_detail, name="detail"),
    path("<int:pk>/edit/", meetings.meeting_edit, name="edit"),
    path("<int:pk>/meeting.ics", meetings.meeting_calendar, name="calendar"),
    path("<int:pk>/start/", meetings.meeting_start, name="start"),
    path("<int:pk>/close/", meetings.meeting_close, name="close"),
    path("<int:pk>/reopen/", meetings.meeting_reopen, name="reopen"),
    path("<int:pk>/next-review/", meetings.next_review, name="next_review"),
    path("<int:pk>/remind/", meetings.remind, name="remind"),
    path("<int:pk>/invite/", preparation.invite, name="invite"),
    path("<int:pk>/invite/<int:person_pk>/remove/", preparation.uninvite, name="uninvite"),
    path("<int:pk>/attendance/", preparation.attendance, name="attendance"),
    path("<int:pk>/agenda/", preparation.agenda_add, name="agenda_add"),
    path("<int:pk>/agenda/<int:item_pk>/remove/", preparation.agenda_remove, name="agenda_remove"),
    path("<int:pk>/agenda/<int:item_pk>/move/", preparation.agenda_move, name="agenda_move"),
    path("<int:pk>/questions/", preparation.question_add, name="question_add"),
    path(
        "<int:pk>/questions/<int:question_pk>/reword/",
        preparation.question_reword,
        name="question_reword",
    ),
    path(
        "<int:pk>/questions/<int:question_pk>/remove/",
        preparation.question_remove,
        name="question_remove",
    ),
    path("<int:pk>/answers/", answers.answers_compare, name="answers"),
    path("<int:pk>/answer/", answers.answer_edit, name="answer"),
    path("<int:pk>/propose/", answers.proposal_from_answers, name="propose"),
    path("<int:pk>/confirm/", answers.confirm, name="confirm"),
    path("<int:pk>/votes/<int:proposal_pk>/", answers.vote, name="vote"),
    path("<int:pk>/minutes/", records.minutes_edit, name="minutes"),
    path("<int:pk>/summary/", records.summary_edit, name="summary"),
    path("<int:pk>/actions/", records.action_add, name="action_add"),
    path("<int:pk>/actions/<int:item_pk>/", records.action_mark, name="action_mark"),
]
