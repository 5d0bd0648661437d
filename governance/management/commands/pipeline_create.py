from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.services.pipelines import pipeline_create


class Command(BaseCommand):
    help = (
        "Register a training pipeline for one or more purposes (slugs) and print its token "
        "(shown this once only)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--purpose", required=True, action="append", help="A purpose slug; repeatable."
        )

    def handle(self, *args, name: str, purpose: list[str], **options):
        try:
            pipeline, token = pipeline_create(name=name, purposes=purpose, actor=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        slugs = ", ".join(p.slug for p in pipeline.purposes.all())
        self.stdout.write(f"Pipeline {pipeline.pk} '{pipeline.name}' registered for {slugs}.")
        self.stdout.write("Token (store it now; only its hash is kept):")
        self.stdout.write(token)
