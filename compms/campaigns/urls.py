from django.urls import path

from compms.campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:audit_id>/", views.detail, name="detail"),
    path("<int:audit_id>/close/", views.close, name="close"),
    path("<int:audit_id>/self-assessment/", views.self_assessment, name="self"),
    path("<int:audit_id>/review/<int:participant_id>/", views.review, name="review"),
]
