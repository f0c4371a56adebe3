from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_schedule, name="schedule"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="edit"),
    path("<int:pk>/meeting.ics", views.meeting_calendar, name="calendar"),
    path("<int:pk>/answers/", views.answers_compare, name="answers"),
    path("<int:pk>/answer/", views.answer_edit, name="answer"),
    path("<int:pk>/propose/", views.proposal_from_answers, name="propose"),
    path("<int:pk>/minutes/", views.minutes_edit, name="minutes"),
    path("<int:pk>/summary/", views.summary_edit, name="summary"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/invite/<int:person_pk>/remove/", views.uninvite, name="uninvite"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda-add"),
    path("<int:pk>/agenda/<int:item_pk>/remove/", views.agenda_remove, name="agenda-remove"),
    path("<int:pk>/agenda/<int:item_pk>/move/", views.agenda_move, name="agenda-move"),
    path("<int:pk>/questions/", views.question_add, name="question-add"),
    path(
        "<int:pk>/questions/<int:question_pk>/reword/",
        views.question_reword,
        name="question-reword",
    ),
    path(
        "<int:pk>/questions/<int:question_pk>/remove/",
        views.question_remove,
        name="question-remove",
    ),
    path("<int:pk>/actions/", views.action_add, name="action-add"),
    path("<int:pk>/actions/<int:item_pk>/", views.action_mark, name="action-mark"),
    path("<int:pk>/votes/<int:proposal_pk>/", views.vote, name="vote"),
    path("<int:pk>/status/", views.status_change, name="status"),
    path("<int:pk>/next-review/", views.next_review, name="next-review"),
    path("<int:pk>/remind/", views.remind, name="remind"),
]
