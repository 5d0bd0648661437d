from governance.models.principals import TokenPrincipal


class CaptureDevice(TokenPrincipal):
    """A capture client allowed to post event batches; only its token's hash is kept."""

    class Meta(TokenPrincipal.Meta):
        pass
