"""``manage.py sweep_reminders``: run the reminder sweep once, now, as beat does every 5 minutes.

For an operator checking reminders after an outage, or a deployment without Celery beat (run it
from cron). Safe beside a running beat: each reminder is a unique row claimed with SKIP LOCKED.
"""

from django.core.management.base import BaseCommand

from workflow.reminders import reminders_sweep


class Command(BaseCommand):
    help = "Send the deadline reminders due now (what Celery beat's sweep does every 5 minutes)."

    def handle(self, *args, **options):
        sent = reminders_sweep()
        self.stdout.write(f"Reminders sent: {sent}.")
