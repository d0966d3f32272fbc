"""What booking tells the apps above it, without importing them."""

from django.dispatch import Signal

# An adviser's time [start, end) became free (a cancellation, a move, a reassignment), once the
# change commits. Sent with advisor_id, start, end. The waitlist offers it to the next in line.
time_freed = Signal()

# An adviser marked an appointment held (completed). Sent with `appointment`, inside the
# transaction that recorded it, so a receiver's rows commit or roll back with it. The feedback
# app opens the employer's survey.
appointment_held = Signal()
