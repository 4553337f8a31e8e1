from __future__ import annotations

app_name = "tokens"

urlpatterns: list = []
