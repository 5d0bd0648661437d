import orjson
from django.core.management.base import BaseCommand, CommandError

from governance.services.signing import public_key_b64, verify_document


class Command(BaseCommand):
    help = "Verify the signature of an erasure or consent receipt (JSON file)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--public-key",
            help="base64url Ed25519 public key to trust (default: this portal's own key)",
        )

    def handle(self, *args, file: str, public_key: str | None, **options):
        try:
            with open(file, "rb") as handle:
                document = orjson.loads(handle.read())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        key = public_key or public_key_b64()
        if document.get("publicKey") not in (None, key):
            raise CommandError("the receipt names a different signing key than the one trusted")
        if not verify_document(document, key):
            raise CommandError("signature does NOT verify: the receipt was altered or forged")
        what = document.get("type") or "consent receipt"
        self.stdout.write(f"ok: {what} signature verifies with key {key}")
