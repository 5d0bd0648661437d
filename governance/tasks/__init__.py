from governance.tasks.notices import notices_apply_due

__all__ = ["notices_apply_due"]
