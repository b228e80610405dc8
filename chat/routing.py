from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/chat/queue/", consumers.QueueConsumer.as_asgi()),
    path("ws/chat/<int:chat_id>/", consumers.ChatConsumer.as_asgi()),
    path("ws/chat/visit/<str:token>/", consumers.VisitorChatConsumer.as_asgi()),
]
