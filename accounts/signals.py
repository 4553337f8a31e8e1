"""Reactions to library events (allauth, django.contrib.auth): they record account events."""

from __future__ import annotations
