from django.urls import path

from . import views

app_name = "chat"

urlpatterns = [
    path("", views.chat_home, name="home"),
    path("start/", views.chat_start, name="start"),
    path("availability/", views.chat_availability, name="availability"),
    path("waiting/", views.chat_waiting, name="waiting"),
    path("mine/", views.chat_mine, name="mine"),
    path("<int:pk>/", views.chat_detail, name="detail"),
    path("<int:pk>/take/", views.chat_take, name="take"),
    path("<int:pk>/transfer/", views.chat_transfer, name="transfer"),
    path("<int:pk>/end/", views.chat_end, name="end"),
    path("<int:pk>/leave/", views.chat_leave, name="leave"),
    path("<int:pk>/transcript/", views.chat_transcript, name="transcript"),
    path("visit/", views.visitor_start, name="visitor-start"),
    path("visit/<str:token>/", views.visitor_chat, name="visitor"),
    path("visit/<str:token>/leave/", views.visitor_leave, name="visitor-leave"),
]
