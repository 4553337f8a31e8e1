from __future__ import annotations

app_name = "packages"

urlpatterns: list = []
