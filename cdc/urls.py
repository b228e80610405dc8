app_name = "cdc"

urlpatterns: list = []
