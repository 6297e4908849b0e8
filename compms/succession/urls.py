from django.urls import path

from compms.succession import views

app_name = "succession"

urlpatterns = [
    path("", views.index, name="index"),
    path("mark/", views.mark, name="mark"),
    path("key-positions/<int:pk>/", views.key_position, name="key_position"),
    path("key-positions/<int:pk>/nominate/", views.nominate, name="nominate"),
    path("key-positions/<int:pk>/override/", views.override, name="override"),
    path("nine-box/", views.nine_box, name="nine_box"),
    path("nine-box/calibrate/", views.calibrate, name="calibrate"),
    path("people/<str:employee_id>/", views.person, name="person"),
    path("people/<str:employee_id>/goals/", views.add_goal, name="add_goal"),
]
