from django.urls import path

from compms.evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.index, name="index"),
    path("me/", views.my_competence, name="me"),
    path("people/<str:employee_id>/", views.profile, name="profile"),
    path("claims/", views.claim_create, name="claim_create"),
    path("reviews/", views.reviews, name="reviews"),
    path("reviews/<int:claim_id>/", views.review_act, name="review_act"),
    path("team/", views.team, name="team"),
    path("expiring/", views.expiring, name="expiring"),
]
