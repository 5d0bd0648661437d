from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from governance.services.devices import device_create


class Command(BaseCommand):
    help = "Register a capture device and print its token (shown this once only)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)

    def handle(self, *args, name: str, **options):
        try:
            device, token = device_create(name=name, actor=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"Device {device.pk} '{device.name}' registered.")
        self.stdout.write("Token (store it now; only its hash is kept):")
        self.stdout.write(token)
