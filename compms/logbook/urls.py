from django.urls import path

from compms.logbook import views

app_name = "logbook"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:entry_id>/review/", views.review, name="review"),
]
