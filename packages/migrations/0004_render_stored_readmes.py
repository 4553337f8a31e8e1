"""Render the description of every existing release once, into description_html."""

from __future__ import annotations

from django.db import migrations


def render_existing(apps, schema_editor) -> None:
    from packages.readme import render_html

    Release = apps.get_model("packages", "Release")
    pending = Release.objects.exclude(description="").filter(description_html="")
    for release in pending.only("pk", "description", "description_content_type").iterator():
        html = render_html(release.description, release.description_content_type)
        Release.objects.filter(pk=release.pk).update(description_html=html)


class Migration(migrations.Migration):
    dependencies = [("packages", "0003_takedown_and_stored_readme")]

    operations = [migrations.RunPython(render_existing, migrations.RunPython.noop)]
