from django.urls import path

from compms.training import views

app_name = "training"

urlpatterns = [
    path("", views.index, name="index"),
    path("sessions/new", views.create_session, name="create_session"),
    path("sessions/<int:session_id>/", views.session_page, name="session"),
    path("sessions/<int:session_id>/enrol", views.enrol, name="enrol"),
    path("enrolments/<int:enrolment_id>/<str:action>", views.enrolment_action, name="enrolment_action"),
    path("mine/", views.my_training, name="mine"),
    path("mandatory/", views.mandatory_page, name="mandatory"),
]
