from __future__ import annotations

app_name = "recovery"

urlpatterns: list = []
